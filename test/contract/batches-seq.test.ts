import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenResponseSchema } from '../../agents/api/cloud.ts';
import { batchAnswer } from './batch-answer.ts';
import { errorCode, nextSeq, record, unique, type ContractAgent } from './contract-client.ts';
import { enrollAgent, needsSandbox, openContractTarget, type ContractTarget } from './contract-target.ts';

let target: ContractTarget;
let agent: ContractAgent;
beforeAll(async () => {
  target = await openContractTarget();
  agent = await enrollAgent(target);
});
afterAll(async () => {
  await target.close();
});

const A = { total: '18.40', status: 'issued' };
const B = { total: '18.40', status: 'void' };
/** A fresh stream and key per test, so a cloud that keeps its data sees each scenario anew. */
function scenario() {
  const where = { source: unique('pos'), stream: 'receipts' };
  const key = { receipt_id: unique('r') };
  const send = async (...records: ReturnType<typeof record>[]) => {
    const batch = agent.batch(where, records);
    return batchAnswer(await agent.sendBatch(batch), batch);
  };
  const history = async () =>
    (await target.admin!.history({ source: where.source, key })).map((e) => [e.outcome, e.data?.status ?? e.op]);
  const latest = async () => (await target.admin!.latest({ source: where.source, key }))[0];
  return { where, key, send, history, latest };
}

describe('contract: batches with seq', () => {
  it('applies A → B → A as three changes: the key ends as A', async () => {
    const s = scenario();
    const seqs = [nextSeq(), nextSeq(), nextSeq()];
    expect(await s.send(record(s.key, A, seqs[0]!))).toMatchObject({ accepted: 1, duplicates: 0, stale: 0 });
    expect(await s.send(record(s.key, B, seqs[1]!))).toMatchObject({ accepted: 1 });
    expect(await s.send(record(s.key, A, seqs[2]!))).toMatchObject({ accepted: 1, duplicates: 0 });
    if (needsSandbox(target, 'A → B → A history')) return;
    expect(await s.history()).toEqual([
      ['accepted', 'issued'],
      ['accepted', 'void'],
      ['accepted', 'issued'],
    ]);
    expect(await s.latest()).toMatchObject({ seq: seqs[2], data: A });
  });

  it('keeps the newest of batches delivered out of order; the older change is stale, kept in the history', async () => {
    const s = scenario();
    const [older, newer] = [nextSeq(), nextSeq()];
    expect(await s.send(record(s.key, B, newer))).toMatchObject({ accepted: 1 });
    expect(await s.send(record(s.key, A, older))).toEqual(
      expect.objectContaining({ accepted: 0, duplicates: 0, stale: 1, staleIndexes: [0], rejected: [] }),
    );
    if (needsSandbox(target, 'stale history')) return;
    expect(await s.history()).toEqual([
      ['stale', 'issued'],
      ['accepted', 'void'],
    ]);
    expect(await s.latest()).toMatchObject({ seq: newer, data: B });
  });

  it('counts a seq already held with the same version as a duplicate, however batches are split or merged', async () => {
    const s = scenario();
    const other = { receipt_id: unique('r') };
    const first = record(s.key, A, nextSeq());
    const second = record(other, B, nextSeq());
    await s.send(first);
    expect(await s.send(second, first, first)).toMatchObject({ accepted: 1, duplicates: 2 });
  });

  it('counts the latest version again (unchanged) as a duplicate and moves the latest seq up to it', async () => {
    const s = scenario();
    const [s1, s2, s3] = [nextSeq(), nextSeq(), nextSeq()];
    await s.send(record(s.key, A, s1));
    expect(await s.send(record(s.key, A, s3))).toMatchObject({ accepted: 0, duplicates: 1, stale: 0 });
    // B at s2 is now below the latest (s3): stale, which proves the latest moved up.
    expect(await s.send(record(s.key, B, s2))).toMatchObject({ stale: 1 });
    if (needsSandbox(target, 'unchanged history')) return;
    expect(await s.history()).toEqual([
      ['accepted', 'issued'],
      ['stale', 'void'],
      ['unchanged', 'issued'],
    ]);
    expect(await s.latest()).toMatchObject({ seq: s3, data: A });
  });

  it('rejects a seq already held with another version as seq_conflict, the rest of the batch applied', async () => {
    const s = scenario();
    const seq = nextSeq();
    await s.send(record(s.key, A, seq));
    const answer = await s.send(record({ receipt_id: unique('r') }, A, nextSeq()), record(s.key, B, seq));
    expect(answer).toMatchObject({ accepted: 1, rejected: [{ index: 1, code: 'seq_conflict' }] });
  });

  it('rejects a seq more than 24 h ahead as seq_in_future and leaves it out of the floor', async () => {
    const s = scenario();
    const future = (Date.now() + 25 * 3600 * 1000) * 1000;
    const answer = await s.send(record(s.key, A, future), record({ receipt_id: unique('r') }, A, nextSeq()));
    expect(answer).toMatchObject({ accepted: 1, rejected: [{ index: 0, code: 'seq_in_future' }] });
    const floors = TokenResponseSchema.parse((await agent.requestToken()).json).seqFloors;
    expect(floors[agent.entity]).toBeLessThan(future);
    expect(floors[agent.entity]).toBeGreaterThan(0);
  });

  it('answers 426 seq_required to a batch whose records lack seq', async () => {
    const s = scenario();
    const { seq: _seq, ...withoutSeq } = record(s.key, A, 1);
    const batch = agent.batch(s.where, [withoutSeq as ReturnType<typeof record>]);
    const answer = await agent.sendBatch(batch);
    expect([answer.status, errorCode(answer)]).toEqual([426, 'seq_required']);
  });

  it('applies or rejects a group together: one member refused, the others group_rejected, other records applied', async () => {
    const s = scenario();
    const held = nextSeq();
    await s.send(record(s.key, A, held));
    const line1 = record({ receipt_id: unique('line') }, { amount: '10.00' }, nextSeq(), { group: 'je-1' });
    const line2 = record(s.key, B, held, { group: 'je-1' }); // seq_conflict
    const alone = record({ receipt_id: unique('r') }, A, nextSeq());
    const answer = await s.send(line1, line2, alone);
    expect(answer).toMatchObject({ accepted: 1, duplicates: 0, stale: 0 });
    expect(answer.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'group_rejected' }),
      expect.objectContaining({ index: 1, code: 'seq_conflict' }),
    ]);
    // The rejected member had no effect: the same record alone is new.
    const { group: _g, ...line1Alone } = line1;
    expect(await s.send(line1Alone)).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('shows per-stream counts of accepted, duplicates and stale (sandbox)', async () => {
    if (needsSandbox(target, 'per-stream counts')) return;
    const s = scenario();
    const [s1, s2] = [nextSeq(), nextSeq()];
    await s.send(record(s.key, B, s2));
    await s.send(record(s.key, A, s1), record(s.key, B, s2));
    const counts = (await target.admin!.counts()).streams.find((c) => c.source === s.where.source);
    expect(counts).toMatchObject({ accepted: 1, duplicates: 1, stale: 1, rejected: 0, keys: 1 });
  });
});
