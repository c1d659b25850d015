import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const where = () => ({ source: unique('pos'), stream: 'receipts' });
const some = (n: number) =>
  Array.from({ length: n }, (_, i) => record({ id: unique(`k${i}`) }, { total: `${i}.00` }, nextSeq()));

describe('contract: idempotency', () => {
  it('replays the stored answer for the same records under another envelope or compression, applying nothing again', async () => {
    const batch = agent.batch(where(), some(3));
    const first = batchAnswer(await agent.sendBatch(batch), batch);
    expect(first.accepted).toBe(3);
    const rebuilt = { ...batch, createdAt: new Date(Date.now() + 60_000).toISOString() };
    const replay = await agent.sendBatch(rebuilt, { gzip: true });
    expect(batchAnswer(replay, batch)).toEqual(first);
    if (needsSandbox(target, 'replay applied nothing')) return;
    expect((await target.admin!.history({ source: batch.source })).length).toBe(3);
  });

  it('refuses the same Idempotency-Key with different records (key, seq or version) with 422 idempotency_key_reused', async () => {
    const batch = agent.batch(where(), some(2));
    batchAnswer(await agent.sendBatch(batch), batch);
    const changes = [
      { ...batch, records: [batch.records[0]!, { ...batch.records[1]!, seq: nextSeq() }] },
      {
        ...batch,
        records: [batch.records[0]!, record(batch.records[1]!.key, { total: '99.99' }, batch.records[1]!.seq)],
      },
      { ...batch, records: [batch.records[0]!] },
    ];
    for (const changed of changes) {
      const answer = await agent.sendBatch(changed);
      expect([answer.status, errorCode(answer)]).toEqual([422, 'idempotency_key_reused']);
    }
  });
});

describe('contract: limits', () => {
  it('answers 413 payload_too_large above 5,000 records', async () => {
    const many = Array.from({ length: 5001 }, (_, i) => record({ id: String(i) }, { n: 'x' }, nextSeq()));
    const answer = await agent.sendBatch(agent.batch(where(), many), { gzip: true });
    expect([answer.status, errorCode(answer)]).toEqual([413, 'payload_too_large']);
  });

  it('answers 413 payload_too_large above 10 MB as sent', async () => {
    const big = Array.from({ length: 6 }, (_, i) =>
      record({ id: String(i) }, { blob: randomBytes(1024 * 1024).toString('hex') }, nextSeq()),
    );
    const answer = await agent
      .sendBatch(agent.batch(where(), big))
      .then((a) => [a.status, errorCode(a)])
      .catch(() => ['connection closed']);
    expect([[413, 'payload_too_large'], ['connection closed']]).toContainEqual(answer);
  });
});

describe('contract: who may send what', () => {
  it('answers 403 entity_not_allowed for an entity the agent was not enrolled for', async () => {
    const entity = unique('not-granted');
    const answer = await agent.sendBatch(agent.batch({ ...where(), entity }, some(1)));
    expect([answer.status, errorCode(answer)]).toEqual([403, 'entity_not_allowed']);
    expect((answer.json as { error: { details?: { entity?: string } } }).error.details?.entity).toBe(entity);
  });

  it('lets one agent write a source: another gets 409 source_owned until the hand-over', async () => {
    const other = await enrollAgent(target);
    if (!other.credentials.entities.includes(agent.entity)) {
      console.log('Skipped (source_owned): the two enrollment keys share no entity.');
      return;
    }
    const w = where();
    const mine = agent.batch(w, some(1));
    batchAnswer(await agent.sendBatch(mine), mine);
    const refused = await other.sendBatch(other.batch(w, some(1)));
    expect([refused.status, errorCode(refused)]).toEqual([409, 'source_owned']);
    expect((refused.json as { error: { details?: { source?: string } } }).error.details?.source).toBe(w.source);
    // Another source of the same entity is not affected.
    const elsewhere = other.batch(where(), some(1));
    batchAnswer(await other.sendBatch(elsewhere), elsewhere);

    if (needsSandbox(target, 'hand-over')) return;
    await target.admin!.handover({ entity: agent.entity, source: w.source, agentId: other.agentId });
    const handed = other.batch(w, some(1));
    batchAnswer(await other.sendBatch(handed), handed);
    expect(errorCode(await agent.sendBatch(agent.batch(w, some(1))))).toBe('source_owned');
  });
});
