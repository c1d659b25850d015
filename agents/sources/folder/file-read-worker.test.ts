/**
 * Files are read in a worker thread under a budget (issue 10): over its time budget a file is
 * stopped and rejected with the reason, over its memory budget too, and the next file gets a fresh
 * thread. Real worker threads, real files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvProfileSchema } from '../../formats/index.ts';
import { camtStatement, csvChunks, CSV_SAMPLE_PROFILE } from '../../transforms/statements/statement-samples.ts';
import { FileReadWorker } from './file-read-worker.ts';
import { readBudgetFor } from './read-budget.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'read-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = { kind: 'bank' as const, parse: {}, timeZone: 'UTC' };

function write(name: string, content: string): { file: string; bytes: number } {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return { file, bytes: Buffer.byteLength(content) };
}

describe('reading files in a worker thread, under a budget', () => {
  it('gives a file 2 s plus 1 s per 20 MB and 256 MB of memory', () => {
    expect(readBudgetFor(0)).toEqual({ timeMs: 2000, memoryMb: 256 });
    expect(readBudgetFor(100 * 1024 * 1024)).toEqual({ timeMs: 7000, memoryMb: 256 });
  });

  it('reads and checks a statement off the main thread', async () => {
    const worker = new FileReadWorker();
    try {
      const { file, bytes } = write(
        'ok.xml',
        camtStatement({ iban: 'DE89370400440532013000', sequence: 1, opening: '10.00', from: 0, to: 20 }),
      );
      const outcome = await worker.read(file, 'bank', options, bytes);
      expect(outcome.kind).toBe('bank');
      if (outcome.kind === 'bank') expect(outcome.report.statements[0]?.entries).toHaveLength(20);
    } finally {
      await worker.close();
    }
  });

  it('stops a file that goes over its time budget, says why, and reads the next one in a fresh thread', async () => {
    let budgetMs = 1;
    const worker = new FileReadWorker({ budgetFor: () => ({ timeMs: budgetMs, memoryMb: 256 }) });
    try {
      const text = [...csvChunks({ from: 0, to: 60_000, opening: '0.00' })].join('');
      const { file, bytes } = write('slow.csv', text);
      const started = Date.now();
      const outcome = await worker.read(
        file,
        'bank',
        { ...options, parse: { profile: CsvProfileSchema.parse(CSV_SAMPLE_PROFILE) } },
        bytes,
      );
      expect(Date.now() - started).toBeLessThan(5000);
      expect(outcome.kind).toBe('rejected');
      if (outcome.kind === 'rejected') {
        expect(outcome.rejection.reason).toMatch(
          /^Reading slow\.csv \(\d+\.\d MB\) took longer than its budget of 0\.0 s \(2 s plus 1 s per 20 MB\), so it was stopped\.$/,
        );
        expect(outcome.rejection.hint).toMatch(/damaged or built to stall the agent/);
      }
      budgetMs = 60_000;
      const next = write(
        'next.xml',
        camtStatement({ iban: 'DE89370400440532013000', sequence: 2, opening: '0', from: 0, to: 3 }),
      );
      expect((await worker.read(next.file, 'bank', options, next.bytes)).kind).toBe('bank');
    } finally {
      await worker.close();
    }
  }, 30_000);

  it('stops a file that needs more memory than the thread may have, and says so', async () => {
    // A 12 MB heap cannot hold the tree of a 40 MB OFX (read whole: OFX has no streaming parser).
    const worker = new FileReadWorker({ budgetFor: () => ({ timeMs: 60_000, memoryMb: 12 }) });
    try {
      const transactions = Array.from(
        { length: 150_000 },
        (_, i) =>
          `<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240102<TRNAMT>-1.00<FITID>F${i}<NAME>Shop ${i}<MEMO>Card payment number ${i}</STMTTRN>`,
      ).join('\n');
      const ofx = `OFXHEADER:100\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM><BANKTRANLIST>${transactions}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`;
      const { file, bytes } = write('big.ofx', ofx);
      const outcome = await worker.read(file, 'bank', options, bytes);
      expect(outcome.kind).toBe('rejected');
      if (outcome.kind === 'rejected')
        expect(outcome.rejection.reason).toMatch(
          /^Reading big\.ofx \([\d.]+ MB\) needed more than the 12 MB of memory a file may use, so it was stopped\.$/,
        );
    } finally {
      await worker.close();
    }
  }, 60_000);

  it('passes on a file that cannot be read as the error it is (the source tries again later)', async () => {
    const worker = new FileReadWorker();
    try {
      const error = await worker.read(path.join(dir, 'missing.csv'), 'bank', options, 0).catch((e: unknown) => e);
      expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    } finally {
      await worker.close();
    }
  });
});
