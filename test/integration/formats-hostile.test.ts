/**
 * Hostile files against every parser, timed (issue 10): deep nesting, huge cells and values,
 * compression bombs, bait for backtracking regexes. Each is refused with a reason that names what is
 * wrong, within the budget the folder source gives a file (2 s plus 1 s per 20 MB), and the time
 * grows with the size of the file, not with its square: 8 times the input may take at most 20
 * times as long (a quadratic parser takes 64 times).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError, parseFile, parseStatementBytes } from '../../agents/formats/index.ts';
import { readBudgetFor } from '../../agents/sources/folder/read-budget.ts';
import { HOSTILE_FILES } from '../helpers/hostile-files.ts';

const SMALL = 1024 * 1024;
const LARGE = 8 * 1024 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), 'hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function timedRefusal(bytes: Buffer, file: string): Promise<{ ms: number; message: string }> {
  const started = performance.now();
  let message = 'accepted';
  try {
    await parseStatementBytes(bytes, file);
  } catch (error) {
    expect(error, `${file}: ${String(error)}`).toBeInstanceOf(FormatError);
    message = (error as Error).message;
  }
  return { ms: performance.now() - started, message };
}

describe('hostile files are refused quickly, in time linear in their size', () => {
  for (const hostile of HOSTILE_FILES) {
    it(hostile.name, async () => {
      const small = hostile.make(SMALL);
      const large = hostile.make(LARGE);
      const first = await timedRefusal(small, hostile.file);
      const second = await timedRefusal(large, hostile.file);
      console.log(`${hostile.name}: ${(small.length / 1e6).toFixed(1)} MB in ${first.ms.toFixed(0)} ms, ${(large.length / 1e6).toFixed(1)} MB in ${second.ms.toFixed(0)} ms`);
      for (const { message } of [first, second]) {
        expect(message).toMatch(hostile.refusal);
        expect(message.startsWith(`${hostile.file}, `), message).toBe(true);
      }
      expect(second.ms).toBeLessThan(readBudgetFor(large.length).timeMs);
      if (large.length > 4 * small.length) expect(second.ms).toBeLessThan(20 * Math.max(first.ms, 25));
    }, 60_000);
  }

  it('the streaming path (a file of 8 MB or more, CAMT and CSV) refuses them as well', async () => {
    for (const hostile of HOSTILE_FILES.filter((h) => /\.(xml|csv)$/.test(h.file))) {
      const file = path.join(dir, hostile.file);
      writeFileSync(file, hostile.make(LARGE + 1024));
      const started = performance.now();
      const report = await parseFile(file);
      const ms = performance.now() - started;
      expect(report.accepted, hostile.name).toBe(false);
      expect(report.error?.message, hostile.name).toMatch(hostile.refusal);
      expect(ms, hostile.name).toBeLessThan(readBudgetFor(LARGE).timeMs);
    }
  }, 120_000);
});
