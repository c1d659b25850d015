/**
 * Fuzzing every parser with fast-check (fixed seed, a time budget per parser): byte mutations of the
 * project's own bank samples (and of the external corpus's files when it is there), truncations at every kind of boundary, random bytes. Whatever comes in, a parser
 * returns statements or throws a FormatError naming the file and a line or byte offset: never another
 * exception, never a hang. Each input is parsed in a worker thread behind a per-call timeout, so a
 * parser stuck in a loop fails the test with the input instead of freezing it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bankSampleBytes, type SampleFormat } from '../helpers/bank-samples.ts';
import { corpusPath, hasExternalCorpus } from '../helpers/external-corpus.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const bank = corpusPath('bank');
const PER_CALL_TIMEOUT_MS = 3000;
const BUDGET_MS = 2500;
const MIN_RUNS = 50;

type ParserName = 'camt' | 'mt940' | 'ofx' | 'bai2' | 'csv' | 'xlsx' | 'any' | 'hang';

interface Outcome {
  ok: boolean;
  timedOut?: boolean;
  formatError?: boolean;
  name?: string;
  message?: string;
  file?: string;
  line?: number;
  offset?: number;
  stack?: string;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const loaded = import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'agents/formats/index.ts')).href)});
loaded.then(() => parentPort.postMessage({ ready: true }));
parentPort.on('message', async ({ id, parser, bytes, file }) => {
  const m = await loaded;
  const input = new Uint8Array(bytes);
  try {
    let parsed;
    if (parser === 'hang') for (;;) {}
    if (parser === 'camt') parsed = m.parseCamt(input, { file });
    else if (parser === 'mt940') parsed = m.parseMt940(input, { file });
    else if (parser === 'ofx') parsed = m.parseOfx(input, { file });
    else if (parser === 'bai2') parsed = m.parseBai2(input, { file });
    else if (parser === 'csv') parsed = m.parseCsv(input, { file });
    else if (parser === 'xlsx') parsed = await m.parseXlsx(input, { file });
    else parsed = await m.parseStatementBytes(input, file);
    m.runChecks(parsed);
    // What is read must be well formed: exact amounts, real dates, currency codes, keys.
    for (const s of parsed.statements) {
      if (!/^[A-Z]{3}$/.test(s.currency) || s.accountId === '') throw new Error('malformed statement ' + s.accountId + ' ' + s.currency);
      for (const e of s.entries) {
        const date = /^(\\d{4})-(\\d{2})-(\\d{2})$/.exec(e.bookingDate);
        const real = date !== null && new Date(e.bookingDate + 'T00:00:00Z').toISOString().startsWith(e.bookingDate);
        if (!m.isCanonicalDecimal(e.amount) || !real || !e.entryKey || (e.amount.startsWith('-') && e.creditDebit !== 'debit'))
          throw new Error('malformed entry ' + JSON.stringify(e));
      }
    }
    parentPort.postMessage({ id, outcome: { ok: true } });
  } catch (e) {
    parentPort.postMessage({ id, outcome: {
      ok: false, formatError: e instanceof m.FormatError, name: e && e.name, message: String(e && e.message),
      file: e && e.file, line: e && e.line, offset: e && e.offset, stack: String(e && e.stack).slice(0, 1500),
    } });
  }
});
`;

/**
 * One worker, one call at a time, each with a deadline; a hung worker is terminated and replaced.
 * The deadline starts once the worker has loaded the parsers, so a slow start on a busy machine is
 * not taken for a hang.
 */
class ParserGuard {
  private worker: Worker;
  private ready!: Promise<void>;
  private nextId = 0;
  private readonly pending = new Map<number, (outcome: Outcome) => void>();

  constructor() {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    this.ready = new Promise((resolve) => {
      worker.on('message', (message: { ready?: boolean; id?: number; outcome?: Outcome }) => {
        if (message.ready === true) return resolve();
        if (message.id === undefined || message.outcome === undefined) return;
        this.pending.get(message.id)?.(message.outcome);
        this.pending.delete(message.id);
      });
    });
    worker.on('error', (error) => {
      for (const resolve of this.pending.values()) resolve({ ok: false, name: 'WorkerError', message: String(error) });
      this.pending.clear();
    });
    return worker;
  }

  async run(parser: ParserName, bytes: Uint8Array, file: string, timeoutMs = PER_CALL_TIMEOUT_MS): Promise<Outcome> {
    await this.ready;
    const id = (this.nextId += 1);
    let timer: NodeJS.Timeout | undefined;
    const result = new Promise<Outcome>((resolve) => {
      this.pending.set(id, resolve);
      timer = setTimeout(() => {
        this.pending.delete(id);
        void this.worker.terminate();
        this.worker = this.start();
        resolve({ ok: false, timedOut: true });
      }, timeoutMs);
    });
    const copy = bytes.slice();
    this.worker.postMessage({ id, parser, bytes: copy.buffer, file }, [copy.buffer]);
    const outcome = await result;
    clearTimeout(timer);
    return outcome;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Seeds of one format: the project's own samples, then the external corpus's files when it is there. */
function fixturesOf(folder: SampleFormat): Uint8Array[] {
  const owned = bankSampleBytes(folder);
  if (!hasExternalCorpus()) return owned;
  return [...owned, ...readdirSync(path.join(bank, folder)).map((f) => new Uint8Array(readFileSync(path.join(bank, folder, f))))];
}

const BOUNDARIES = [...'\n<>:,;/"?'].map((c) => c.charCodeAt(0));

/** A fixture changed the way damaged downloads and hostile files are: bytes flipped, cut, inserted, repeated. */
function mutated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 2, max: 20 }) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 4 })).map(([seed, ops]) => {
    let bytes = Buffer.from(seed);
    for (const o of ops) {
      const at = bytes.length === 0 ? 0 : o.at % bytes.length;
      if (o.kind === 'flip' && bytes.length > 0) bytes[at] = o.value;
      else if (o.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + o.length)]);
      else if (o.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(o.bytes), bytes.subarray(at)]);
      else if (o.kind === 'repeat') {
        const slice = bytes.subarray(at, at + o.length);
        bytes = Buffer.concat([bytes.subarray(0, at), ...Array.from({ length: o.times }, () => slice), bytes.subarray(at)]);
      }
    }
    return new Uint8Array(bytes);
  });
}

/** A fixture cut at a line end, a tag, a field mark, a delimiter… (downloads and copies that stopped early). */
function truncated(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.constantFrom(...BOUNDARIES), fc.nat(), fc.integer({ min: -1, max: 1 })).map(([seed, mark, pick, shift]) => {
    const positions: number[] = [];
    seed.forEach((b, i) => {
      if (b === mark) positions.push(i);
    });
    const at = positions.length === 0 ? pick % (seed.length + 1) : (positions[pick % positions.length] ?? 0) + shift;
    return seed.slice(0, Math.max(0, at));
  });
}

function inputs(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 5, arbitrary: mutated(seeds) }, { weight: 3, arbitrary: truncated(seeds) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }) });
}

async function xlsxSeed(): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Transactions');
  sheet.addRow(['Date', 'Description', 'Original Description', 'Amount', 'Transaction Type', 'Category', 'Account Name', 'Labels', 'Notes']);
  sheet.addRow(['6/12/15', 'Coffee', 'COFFEE SHOP', 4.5, 'debit', 'Food', 'Checking', '', '']);
  sheet.addRow(['6/13/15', 'Salary', 'ACME', 1000, 'credit', 'Income', 'Checking', '', '']);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

const guard = new ParserGuard();
const seeds = new Map<ParserName, Uint8Array[]>();

beforeAll(async () => {
  seeds.set('camt', fixturesOf('camt').filter((b) => b[0] !== 0x50));
  seeds.set('mt940', fixturesOf('mt940'));
  seeds.set('ofx', fixturesOf('ofx'));
  seeds.set('bai2', fixturesOf('bai2'));
  seeds.set('csv', fixturesOf('csv'));
  seeds.set('xlsx', [await xlsxSeed()]);
  seeds.set('any', [...(['camt', 'mt940', 'ofx', 'bai2', 'csv'] as const).flatMap((f) => fixturesOf(f)), await xlsxSeed()]);
});

afterAll(async () => {
  await guard.close();
});

describe('fuzzing the parsers', () => {
  const cases: [ParserName, number][] = [
    ['camt', 1],
    ['mt940', 2],
    ['ofx', 3],
    ['bai2', 4],
    ['csv', 5],
    ['xlsx', 6],
    ['any', 7],
  ];
  for (const [parser, seed] of cases) {
    it(`${parser}: statements or a FormatError with file and line/offset, never a crash or a hang`, async () => {
      let runs = 0;
      let read = 0;
      const file = `fuzz-${parser}.bin`;
      await fc.assert(
        fc.asyncProperty(inputs(seeds.get(parser) ?? []), async (bytes) => {
          runs += 1;
          const outcome = await guard.run(parser, bytes, file);
          const input = Buffer.from(bytes).toString('base64').slice(0, 400);
          if (outcome.timedOut === true) throw new Error(`${parser} did not finish within ${PER_CALL_TIMEOUT_MS} ms on input (base64) ${input}`);
          if (outcome.ok) {
            read += 1;
            return;
          }
          if (outcome.formatError !== true) throw new Error(`${parser} threw ${outcome.name ?? '?'}: ${outcome.message ?? ''}\n${outcome.stack ?? ''}\ninput (base64): ${input}`);
          expect(outcome.file, outcome.message).toMatch(new RegExp(`^${file.replace('.', '\\.')}`));
          expect(typeof outcome.line === 'number' || typeof outcome.offset === 'number', `no line or offset: ${outcome.message ?? ''}`).toBe(true);
          expect(outcome.message).toContain(file);
        }),
        { seed, numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false },
      );
      console.info(`${parser}: ${runs} inputs, ${read} read, ${runs - read} refused with a FormatError`);
      expect(runs, `${parser}: only ${runs} inputs were tried in the budget`).toBeGreaterThanOrEqual(MIN_RUNS);
    });
  }

  it('the guard notices a parser that hangs, and keeps working after replacing its worker', async () => {
    expect(await guard.run('hang', new Uint8Array(0), 'hang.bin', 500)).toEqual({ ok: false, timedOut: true });
    const camt = seeds.get('camt')?.[0] ?? new Uint8Array(0);
    expect(await guard.run('camt', camt, 'after.xml')).toEqual({ ok: true });
  });
});
