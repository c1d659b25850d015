/**
 * The running totals (bytes, depth per lane, dead letters) are kept by hand in every transaction;
 * this drives random sequences of every operation and compares them with what the tables hold.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lane } from '../api/index.ts';
import type { Outbox } from './outbox.ts';
import type { OutboxBatch } from './outbox-types.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

type Op =
  | { kind: 'enqueue'; stream: 'a' | 'b' | 'c'; from: number; count: number; variant: number }
  | { kind: 'next'; lane: Lane; maxRecords: number }
  | { kind: 'complete' | 'retry' | 'split' | 'deadLetter' | 'reject'; pick: number }
  | { kind: 'release' | 'replayAll' | 'discardFirst' | 'replayFirst' | 'tick' };

const LANE_OF = { a: 'bulk', b: 'urgent', c: 'bulk' } as const;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('enqueue' as const),
      stream: fc.constantFrom('a' as const, 'b' as const, 'c' as const),
      from: fc.integer({ min: 0, max: 4 }),
      count: fc.integer({ min: 0, max: 3 }),
      variant: fc.integer({ min: 0, max: 1 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('next' as const),
      lane: fc.constantFrom('urgent' as const, 'bulk' as const),
      maxRecords: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'complete' as const,
        'retry' as const,
        'split' as const,
        'deadLetter' as const,
        'reject' as const,
      ),
      pick: fc.nat(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'release' as const,
        'replayAll' as const,
        'discardFirst' as const,
        'replayFirst' as const,
        'tick' as const,
      ),
    }),
  },
);

let tmp: TempDir;
beforeAll(() => {
  tmp = makeTempDir();
});
afterAll(() => tmp.remove());

function apply(outbox: Outbox, clock: ManualClock, inFlight: OutboxBatch[], op: Op): void {
  switch (op.kind) {
    case 'enqueue': {
      const records = makeRecords(op.stream, op.from, op.count, { data: (i) => ({ i: String(i), v: op.variant }) });
      outbox.enqueue({ source: 'src', stream: op.stream, lane: LANE_OF[op.stream], records, checkpoint: op.from });
      return;
    }
    case 'next': {
      const batch = outbox.nextBatch({ lane: op.lane, maxRecords: op.maxRecords, maxBytes: 1_000_000 });
      if (batch !== null) {
        expect(inFlight.some((b) => b.batchId === batch.batchId)).toBe(false);
        expect(batch.records.every((r) => r.lane === op.lane && r.stream === batch.stream)).toBe(true);
        inFlight.push(batch);
      }
      return;
    }
    case 'complete':
    case 'retry':
    case 'split':
    case 'deadLetter':
    case 'reject': {
      if (inFlight.length === 0) return;
      const [batch] = inFlight.splice(op.pick % inFlight.length, 1);
      const id = batch!.batchId;
      if (op.kind === 'complete') outbox.completeBatch(id, { rejected: [], staleIndexes: [] });
      else if (op.kind === 'reject')
        outbox.completeBatch(id, {
          rejected: [{ index: op.pick % batch!.records.length, code: 'bad', message: 'bad' }],
          staleIndexes: [],
        });
      else if (op.kind === 'retry')
        outbox.retryBatch(id, { nextAttemptAt: clock.now() + 1_000, error: { code: 'e', message: 'e' } });
      else if (op.kind === 'split') outbox.splitBatch(id);
      else outbox.deadLetterBatch(id, { code: 'http_400', message: 'no' });
      return;
    }
    case 'release':
      outbox.releaseInFlight();
      inFlight.length = 0;
      return;
    case 'replayAll':
      outbox.replayDeadLetters('all');
      return;
    case 'replayFirst':
    case 'discardFirst': {
      const first = outbox.listDeadLetters({ limit: 1 })[0];
      if (first === undefined) return;
      if (op.kind === 'replayFirst') outbox.replayDeadLetters([first.id]);
      else outbox.discardDeadLetters([first.id]);
      return;
    }
    case 'tick':
      clock.advance(600);
      return;
  }
}

describe('outbox running totals (model test)', () => {
  it('always equal what the tables hold, through any sequence of operations', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 60 }), (ops) => {
        const path = tmp.path(`model-${run++}.db`);
        const clock = new ManualClock();
        const outbox = openTestOutbox(path, clock);
        const truth = new Database(path, { readonly: true });
        const inFlight: OutboxBatch[] = [];
        try {
          for (const op of ops) {
            const depthBefore = outbox.stats().depth;
            const deadBefore = outbox.stats().deadLetters;
            const deliveredBefore = outbox.stats().delivered;
            apply(outbox, clock, inFlight, op);
            const stats = outbox.stats();
            const actual = truth
              .prepare(
                `SELECT
                   (SELECT COUNT(*) FROM records) AS depth,
                   (SELECT COUNT(*) FROM records WHERE lane = 'urgent') AS urgentDepth,
                   (SELECT COALESCE(SUM(bytes), 0) FROM records) + (SELECT COALESCE(SUM(bytes), 0) FROM dead_letters) AS bytes,
                   (SELECT COUNT(*) FROM dead_letters) AS deadLetters`,
              )
              .get();
            expect({
              depth: stats.depth,
              urgentDepth: stats.urgentDepth,
              bytes: stats.bytes,
              deadLetters: stats.deadLetters,
            }).toEqual(actual);
            // Settling moves records between the queue, the dead letters and "delivered"; none vanish.
            if (op.kind === 'complete' || op.kind === 'reject' || op.kind === 'deadLetter' || op.kind === 'split') {
              expect(stats.depth + stats.deadLetters + stats.delivered).toBe(
                depthBefore + deadBefore + deliveredBefore,
              );
            }
          }
          expect(outbox.integrityCheck()).toBe('ok');
          expect(truth.pragma('foreign_key_check')).toEqual([]);
        } finally {
          truth.close();
          outbox.close();
        }
      }),
      { seed: 7, numRuns: 20 },
    );
  });
});
