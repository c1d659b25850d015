/**
 * kill -9 during capture (DESIGN.md §4.1, §4.2): a real child process enqueues 100 records plus a
 * checkpoint per transaction in a tight loop and is SIGKILLed at a seeded random moment. Whatever the
 * moment, the records on disk must be exactly those the committed checkpoint accounts for, and the
 * checkpoint parts on disk exactly those it names: each commit puts a part and drops the oldest.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';
import { seededRandom } from '../pipeline/seeded-random.ts';

const outboxModule = pathToFileURL(fileURLToPath(new URL('./outbox.ts', import.meta.url))).href;

/** About 64 KB a part, so that a kill often lands while one is being written or deleted. */
const PART_PADDING = 65_536;
/** The checkpoint names only its newest parts: every commit also deletes one. */
const KEPT_PARTS = 3;

const CHILD_SCRIPT = `
import { Outbox } from ${JSON.stringify(outboxModule)};
const path = process.argv[2];
const clock = { now: () => Date.now(), sleep: async () => {} };
const outbox = Outbox.open({ path, maxBytes: 1e10, synchronous: 'FULL', clock });
let { count = 0, parts = [] } = outbox.getCheckpoint('crash', 'rows') ?? {};
for (let round = 0; ; round += 1) {
  const records = [];
  for (let j = 0; j < 100; j += 1) {
    const id = String(count + j);
    records.push({ stream: 'rows', key: { id }, op: 'upsert', data: { id, amount: id + '.25', memo: 'row '.repeat(20) }, capturedAt: new Date().toISOString() });
  }
  const partId = 'upto-' + (count + 100);
  const part = { id: partId, text: partId + ' '.repeat(${PART_PADDING}), data: new TextEncoder().encode(String(count + 100)) };
  parts = [...parts, part.id].slice(-${KEPT_PARTS});
  const checkpointParts = { put: [part], keep: parts };
  outbox.enqueue({ source: 'crash', stream: 'rows', lane: 'bulk', records, checkpoint: { count: count + 100, parts }, checkpointParts });
  count += 100;
  if (round === 0) process.stdout.write('ready\\n');
}
`;

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

/** Starts the writer, waits until it has committed once, lets it run `delayMs` more, then SIGKILLs it. */
async function runAndKill(script: string, path: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error(`The writer exited before its first commit: ${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('outbox under kill -9', () => {
  it('always holds exactly the records and the parts its committed checkpoint accounts for', async () => {
    const script = tmp.path('writer.mts');
    writeFileSync(script, CHILD_SCRIPT);
    const path = tmp.path('outbox.db');
    const random = seededRandom(4242);
    const clock = new ManualClock();
    let previous = 0;
    for (let run = 0; run < 5; run += 1) {
      await runAndKill(script, path, Math.floor(random() * 150));

      // Status may look at it before anyone repairs anything.
      const reader = Outbox.openReadonly(path, clock);
      const seen = reader.stats().depth;
      reader.close();

      const outbox = openTestOutbox(path, clock);
      const { count, parts } = outbox.getCheckpoint('crash', 'rows') as { count: number; parts: string[] };
      expect(outbox.recoveredFromCorruption).toBeNull();
      expect(outbox.integrityCheck()).toBe('ok');
      expect(count).toBeGreaterThan(previous);
      expect(outbox.stats().depth).toBe(count);
      expect(seen).toBe(count);
      expect(parts).toEqual(Array.from({ length: Math.min(KEPT_PARTS, count / 100) }, (_, i) => `upto-${count - 100 * i}`).reverse());
      for (const id of parts) {
        const part = outbox.getCheckpointPart('crash', 'rows', id);
        expect(part?.text).toBe(id + ' '.repeat(PART_PADDING));
        expect(Buffer.from(part!.data).toString()).toBe(id.slice('upto-'.length));
      }
      outbox.close();

      const db = new Database(path, { readonly: true });
      const rows = db
        .prepare(
          "SELECT COUNT(*) AS n, MIN(CAST(json_extract(key_canonical, '$.id') AS INTEGER)) AS lo, MAX(CAST(json_extract(key_canonical, '$.id') AS INTEGER)) AS hi FROM records",
        )
        .get() as { n: number; lo: number; hi: number };
      const bytes = db
        .prepare("SELECT (SELECT SUM(bytes) FROM records) - (SELECT value FROM meta WHERE key = 'queued_bytes')")
        .pluck()
        .get();
      const partsOnDisk = db.prepare('SELECT id FROM checkpoint_parts ORDER BY id').pluck().all();
      db.close();
      expect(partsOnDisk).toEqual([...parts].sort());
      expect(rows).toEqual({ n: count, lo: 0, hi: count - 1 });
      expect(bytes).toBe(0);
      previous = count;
    }
  });
});
