import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_SAMPLE_PROFILE, camtChunks, csvChunks } from '../transforms/statements/statement-samples.ts';
import { CsvProfileSchema } from './csv/profile.ts';
import { sumDecimals } from './decimal.ts';
import type { Entry } from './model.ts';
import { parseFile, type ParseReport } from './parse-file.ts';
import { parseFileStreaming, type StreamReport } from './parse-stream.ts';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'parse-stream-'));
const camtFile = path.join(dir, 'statement.xml');
const csvFile = path.join(dir, 'statement.csv');
const csvOptions = { profile: CsvProfileSchema.parse(CSV_SAMPLE_PROFILE) };

async function write(file: string, chunks: Iterable<string>): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

beforeAll(async () => {
  // ~20 MB each; the CAMT closing balance is off by 0.05 so a failed check must match too.
  expect(await write(camtFile, camtChunks({ iban: 'DE89370400440532013000', sequence: 7, opening: '1000.00', from: 0, to: 52_000, closingError: '0.05' }))).toBeGreaterThan(19e6);
  expect(await write(csvFile, csvChunks({ from: 0, to: 170_000, opening: '250.00' }))).toBeGreaterThan(19e6);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Streams a file, recording every header and a digest of every entry (not the entries). */
async function stream(file: string, options = {}): Promise<{ report: StreamReport; digest: string; count: number; headers: string[] }> {
  const hash = createHash('sha256');
  const headers: string[] = [];
  let count = 0;
  const report = await parseFileStreaming(file, {
    ...options,
    onStatement: (statement, index) => headers.push(`${index}:${statement.accountId}:${statement.currency}`),
    onEntry: (entry, index) => {
      count += 1;
      hash.update(`${index}${JSON.stringify(entry)}\n`);
    },
  });
  return { report, digest: hash.digest('hex'), count, headers };
}

function digestOf(report: ParseReport): string {
  const hash = createHash('sha256');
  report.statements.forEach((statement, index) => {
    for (const entry of statement.entries) hash.update(`${index}${JSON.stringify(entry)}\n`);
  });
  return hash.digest('hex');
}

function expectSameAs(streamed: Awaited<ReturnType<typeof stream>>, full: ParseReport): void {
  const { report } = streamed;
  expect(report.error).toBeUndefined();
  expect(report.sha256).toBe(full.sha256);
  expect(report.format).toBe(full.format);
  expect(report.checks).toEqual(full.checks);
  expect(report.warnings).toEqual(full.warnings);
  expect(report.accepted).toBe(full.accepted);
  const total = full.statements.reduce((n, s) => n + s.entries.length, 0);
  expect(total).toBeGreaterThan(50_000);
  expect(report.entries).toBe(total);
  expect(streamed.count).toBe(total);
  expect(streamed.digest).toBe(digestOf(full));
  expect(streamed.headers).toEqual(full.statements.map((s, i) => `${i}:${s.accountId}:${s.currency}`));
  expect(report.statements).toEqual(
    full.statements.map(({ entries, ...header }: { entries: Entry[] }) => ({ ...header, entryCount: entries.length, movement: sumDecimals(entries.map((e) => e.amount)) })),
  );
}

describe('parseFileStreaming', () => {
  it('gives a 20 MB CAMT.053 the same entries, balances, checks and warnings as parseFile', async () => {
    const streamed = await stream(camtFile);
    const full = await parseFile(camtFile);
    expectSameAs(streamed, full);
    expect(streamed.report.accepted).toBe(false);
    expect(streamed.report.checks[0]?.message).toMatch(/difference 0\.05 EUR/);
    expect(streamed.report.statements[0]?.closingBalance?.amount).toBeDefined();
  }, 60_000);

  it('gives a 20 MB bank CSV the same entries, running-balance balances, checks and warnings as parseFile', async () => {
    const streamed = await stream(csvFile, csvOptions);
    const full = await parseFile(csvFile, csvOptions);
    expectSameAs(streamed, full);
    expect(streamed.report.accepted).toBe(true);
    expect(streamed.report.statements[0]?.openingBalance).toMatchObject({ amount: '250.00', kind: 'csv-running-balance' });
  }, 60_000);

  it('reports a broken file like parseFile, after handing out the entries before the break', async () => {
    const cut = path.join(dir, 'cut.xml');
    await write(cut, [...camtChunks({ iban: 'DE89370400440532013000', sequence: 1, opening: '0', from: 0, to: 23_000 })].join('').slice(0, 8_500_000));
    const streamed = await stream(cut);
    const full = await parseFile(cut);
    expect(full.error?.message).toMatch(/cut off/);
    expect(streamed.report.error).toEqual(full.error);
    expect(streamed.report.accepted).toBe(false);
    expect(streamed.report.entries).toBeGreaterThan(1000);
  }, 60_000);

  it('keeps the peak memory of a fresh process far below what the whole file parsed in memory needs', async () => {
    // Each in a fresh process, peak RSS (VmHWM, reset after start-up) minus the RSS before parsing.
    const code = `
      import { readFileSync, writeFileSync } from 'node:fs';
      import { parseFile, parseFileStreaming, CsvProfileSchema } from ${JSON.stringify(path.join(import.meta.dirname, 'index.ts'))};
      import { CSV_SAMPLE_PROFILE } from ${JSON.stringify(path.join(import.meta.dirname, '../transforms/statements/statement-samples.ts'))};
      const kb = (f) => Number(new RegExp('^' + f + ':\\\\s+(\\\\d+)', 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      const [mode, file] = process.argv.slice(1);
      const options = file.endsWith('.csv') ? { profile: CsvProfileSchema.parse(CSV_SAMPLE_PROFILE) } : {};
      globalThis.gc();
      writeFileSync('/proc/self/clear_refs', '5');
      const base = kb('VmRSS');
      let n = 0;
      const report = mode === 'stream' ? await parseFileStreaming(file, { ...options, onEntry: () => { n += 1; } }) : await parseFile(file, options);
      if (mode !== 'stream') n = report.statements[0].entries.length;
      console.log(JSON.stringify({ growthMiB: kb('VmHWM') - base, n }));`;
    const growth = async (mode: string, file: string) => {
      const { stdout } = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', code, mode, file]);
      return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { growthMiB: number; n: number };
    };
    const streamed = await growth('stream', csvFile);
    const full = await growth('full', csvFile);
    expect(streamed.n).toBe(170_000);
    expect(full.n).toBe(170_000);
    console.log(`20 MB CSV, peak RSS growth: streamed ${streamed.growthMiB.toFixed(0)} MiB, parseFile ${full.growthMiB.toFixed(0)} MiB`);
    // Generous: the young generation alone may take 64 MiB; parseFile needs ~1 KiB per row.
    expect(streamed.growthMiB).toBeLessThan(100);
    expect(streamed.growthMiB).toBeLessThan(full.growthMiB * 0.75);
  }, 60_000);
});
