import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEntry, LatestEntry } from '../../sandbox/inspection-schemas.ts';
import {
  SEQ_BASE,
  startTestSandbox,
  testBatch,
  testRecord,
  TestAgent,
  type TestSandbox,
} from '../../sandbox/sandbox-test-kit.ts';
import { assertCloudHistory, assertHistory, checkHistory, type CapturedKey } from './history-oracle.ts';

const key = { receipt_id: '7' };
const A = { total: '1.00' };
const B = { total: '2.00' };
let nextId = 1;

function entry(
  seq: number,
  data: Record<string, string> | null,
  outcome: HistoryEntry['outcome'],
  capturedAt: string,
): HistoryEntry {
  return {
    id: nextId++,
    batchId: 'b',
    agentId: 'ag',
    entity: 'store-7',
    source: 'pos',
    stream: 'sales',
    key,
    seq,
    version: `sha256:${seq}`,
    op: data === null ? 'delete' : 'upsert',
    capturedAt,
    ...(data === null ? {} : { data }),
    outcome,
    receivedAt: '2026-12-05T09:00:00.000Z',
  };
}
const latestOf = (e: HistoryEntry, seq = e.seq): LatestEntry => {
  const { outcome: _o, ...rest } = e;
  return { ...rest, seq };
};
const captured = (...states: (Record<string, string> | null)[]): CapturedKey[] => [
  { stream: 'sales', key, states: states.map((data) => ({ data })) },
];
const t1 = '2026-12-05T09:00:01.000Z';
const t2 = '2026-12-05T09:00:02.000Z';
const t3 = '2026-12-05T09:00:03.000Z';

describe('the history oracle passes', () => {
  it('A → B → A in order, with the final row', () => {
    const h = [entry(1, A, 'accepted', t1), entry(2, B, 'accepted', t2), entry(3, A, 'accepted', t3)];
    const report = assertHistory({
      captured: captured(A, B, A),
      history: h,
      latest: [latestOf(h[2]!)],
      finalRows: [{ stream: 'sales', key, data: A }],
    });
    expect(report).toMatchObject({ ok: true, keys: 1, entries: 3, renumbered: 0 });
  });

  it('batches that arrived out of order (stale entries are part of the history)', () => {
    const h = [entry(1, A, 'stale', t1), entry(2, B, 'stale', t2), entry(3, A, 'accepted', t3)];
    expect(checkHistory({ captured: captured(A, B, A), history: h, latest: [latestOf(h[2]!)] }).ok).toBe(true);
  });

  it('a stale record renumbered and sent again counts once, as renumbered', () => {
    // The cloud held B at seq 10 (before a restore); X was captured at seq 5, answered stale, renumbered to 11.
    const h = [entry(5, A, 'stale', t2), entry(10, B, 'accepted', t1), entry(11, A, 'accepted', t2)];
    const report = checkHistory({ captured: captured(B, A), history: h, latest: [latestOf(h[2]!)] });
    expect(report).toMatchObject({ ok: true, renumbered: 1 });
  });

  it('an unchanged record (a resync) moving the latest seq up, and a delete', () => {
    const h = [entry(1, A, 'accepted', t1), entry(2, A, 'unchanged', t2), entry(3, null, 'accepted', t3)];
    const report = checkHistory({
      captured: captured(A, A, null),
      history: h,
      latest: [latestOf(h[2]!)],
      finalRows: [{ stream: 'sales', key, data: null }],
    });
    expect(report.ok).toBe(true);
  });
});

describe('the history oracle fails, with a readable diff', () => {
  it('when a captured state is missing (A → B → A ended as B)', () => {
    const h = [entry(1, A, 'accepted', t1), entry(2, B, 'accepted', t2)];
    const report = checkHistory({ captured: captured(A, B, A), history: h, latest: [latestOf(h[1]!)] });
    expect(report.problems.map((p) => p.kind)).toEqual(['history_differs', 'latest_differs']);
    expect(() => assertHistory({ captured: captured(A, B, A), history: h, latest: [latestOf(h[1]!)] })).toThrow(
      /✗\s+3\s+upsert \{"total":"1.00"\}\s+\(nothing\)/,
    );
    expect(report.text).toContain(
      'the latest is upsert {"total":"2.00"} (seq 2) but the source\'s final row is upsert {"total":"1.00"}',
    );
  });

  it('when one captured change took effect twice under two seqs', () => {
    const h = [entry(1, A, 'accepted', t1), entry(2, A, 'unchanged', t1)];
    const report = checkHistory({ captured: captured(A, A), history: h, latest: [latestOf(h[1]!)] });
    expect(report.problems.map((p) => p.kind)).toEqual(['applied_twice']);
    expect(report.text).toContain('took effect 2 times, under seqs 1, 2');
  });

  it("when the latest is not the source's final row, or stands at the wrong seq", () => {
    const h = [entry(1, A, 'accepted', t1), entry(2, B, 'accepted', t2)];
    const wrongFinal = checkHistory({
      captured: captured(A, B),
      history: h,
      latest: [latestOf(h[1]!)],
      finalRows: [{ stream: 'sales', key, data: { total: '3.00' } }],
    });
    expect(wrongFinal.problems.map((p) => p.kind)).toEqual(['latest_differs']);
    const wrongSeq = checkHistory({ captured: captured(A, B), history: h, latest: [latestOf(h[1]!, 1)] });
    expect(wrongSeq.problems.map((p) => p.kind)).toEqual(['latest_seq']);
  });

  it('when the cloud holds a key the agent never captured, or nothing for a captured one', () => {
    const other = { ...entry(1, A, 'accepted', t1), key: { receipt_id: '8' } };
    const report = checkHistory({ captured: captured(A), history: [other], latest: [latestOf(other)] });
    expect(report.problems.map((p) => p.kind).sort()).toEqual(['missing_history', 'unexpected_key']);
  });
});

describe('assertCloudHistory against a real sandbox', () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.cleanup();
  });

  it('holds A → B → A sent out of order, and catches the missing third state when it was never sent', async () => {
    t = await startTestSandbox();
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const rec = (data: Record<string, string>, n: number) => ({
      ...testRecord(key, data, SEQ_BASE + n),
      capturedAt: `2026-12-05T09:00:0${n}.000Z`,
    });
    await agent.sendBatch(testBatch(agent.credentials.agentId, 1, [rec(B, 2)], 'sales'));
    await agent.sendBatch(testBatch(agent.credentials.agentId, 2, [rec(A, 1)], 'sales'));
    await expect(assertCloudHistory(t.admin, { source: 'pos-db' }, captured(A, B, A))).rejects.toThrow(
      /history_differs/,
    );
    await agent.sendBatch(testBatch(agent.credentials.agentId, 3, [rec(A, 3)], 'sales'));
    const report = await assertCloudHistory(t.admin, { source: 'pos-db' }, captured(A, B, A), [
      { stream: 'sales', key, data: A },
    ]);
    expect(report).toMatchObject({ ok: true, entries: 3 });
  });
});
