/** The log tail for the support bundle on real files, across a rotation. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logTailFiles } from './log-tail.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tya-logtail-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `{"n":${from + i}}\n`).join('');

describe('logTailFiles', () => {
  it('takes the whole current file and fills the rest of the budget from agent.log.1, at whole lines', () => {
    const file = join(dir, 'agent.log');
    writeFileSync(`${file}.1`, lines(0, 100)); // 9 bytes a line from n=10
    writeFileSync(file, lines(100, 10)); // 100 bytes
    writeFileSync(`${file}.2`, lines(-50, 10));
    const parts = logTailFiles(file, 200);
    expect(parts.map((p) => p.name)).toEqual(['agent.log', 'agent.log.1']);
    expect(parts[0]!.text).toBe(lines(100, 10));
    const older = parts[1]!.text.split('\n');
    expect(older[0]).toMatch(/^\(the log's first \d+ bytes are left out\)$/);
    // 100 bytes of budget left: 11 whole 9-byte lines of agent.log.1 (the cut one dropped), ending at n=99.
    expect(older.slice(1, -1).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });

  it('a current file over the budget is cut alone; no file says so', () => {
    const file = join(dir, 'agent.log');
    writeFileSync(`${file}.1`, lines(0, 10));
    writeFileSync(file, lines(100, 50));
    expect(logTailFiles(file, 100).map((p) => p.name)).toEqual(['agent.log']);
    expect(logTailFiles(join(dir, 'none.log'), 100)).toEqual([{ name: 'none.log', text: '(no log file yet)\n' }]);
  });
});
