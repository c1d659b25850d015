import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnrollResponseSchema, RotateResponseSchema, TokenResponseSchema } from '../../agents/api/cloud.ts';
import { batchAnswer } from './batch-answer.ts';
import { errorCode, nextSeq, record, unique, type ContractAgent } from './contract-client.ts';
import {
  enrollAgent,
  enrollRequest,
  needsSandbox,
  openContractTarget,
  type ContractTarget,
} from './contract-target.ts';

let target: ContractTarget;
beforeAll(async () => {
  target = await openContractTarget();
});
afterAll(async () => {
  await target.close();
});

describe('contract: enrollment', () => {
  it('answers 201 with credentials, entities, a floor per entity and an Ed25519 cloud key', async () => {
    const answer = await enrollRequest(target, await target.newEnrollmentKey(), unique('host'));
    expect(answer.status).toBe(201);
    const body = EnrollResponseSchema.parse(answer.json);
    expect(Object.keys(body.seqFloors).sort()).toEqual([...body.entities].sort());
    for (const floor of Object.values(body.seqFloors)) expect(Number.isSafeInteger(floor)).toBe(true);
    expect(
      createPublicKey({ key: Buffer.from(body.cloudKey, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType,
    ).toBe('ed25519');
  });

  it('gives the same answer to a retry from the same host, 409 to any other second use, 401 to an unknown key', async () => {
    const key = await target.newEnrollmentKey();
    const host = unique('host');
    const first = EnrollResponseSchema.parse((await enrollRequest(target, key, host)).json);
    const retry = await enrollRequest(target, key, host);
    expect(retry.status).toBe(201);
    const again = EnrollResponseSchema.parse(retry.json);
    expect([again.agentId, again.clientId, again.clientSecret, again.signingSecret]).toEqual([
      first.agentId,
      first.clientId,
      first.clientSecret,
      first.signingSecret,
    ]);
    const elsewhere = await enrollRequest(target, key, unique('other-host'));
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([409, 'enrollment_key_used']);
    expect((await enrollRequest(target, unique('never-issued-key'), host)).status).toBe(401);
  });
});

describe('contract: tokens and rotation', () => {
  it('issues bearer tokens with seqFloors, and refuses a wrong secret with 401', async () => {
    const agent = await enrollAgent(target);
    const token = TokenResponseSchema.parse((await agent.requestToken()).json);
    expect(token.token_type).toBe('Bearer');
    expect(Object.keys(token.seqFloors)).toEqual(expect.arrayContaining(agent.credentials.entities));
    expect((await agent.requestToken('not-the-secret')).status).toBe(401);
  });

  it('rotates idempotently; the old client secret works until the new one is used, the old signing secret still verifies', async () => {
    const agent = await enrollAgent(target);
    const path = `/v1/agents/${agent.agentId}/rotate`;
    const key = unique('rotation');
    const first = await agent.postJson(path, {}, { headers: { 'idempotency-key': key } });
    expect(first.status, first.text).toBe(200);
    const rotated = RotateResponseSchema.parse(first.json);
    const again = await agent.postJson(path, {}, { headers: { 'idempotency-key': key } });
    expect(RotateResponseSchema.parse(again.json)).toEqual(rotated);
    expect((await agent.requestToken()).status).toBe(200);
    expect((await agent.heartbeat()).status).toBe(200); // signed with the old signing secret
    expect((await agent.requestToken(rotated.clientSecret)).status).toBe(200);
    expect((await agent.requestToken()).status).toBe(401);
    agent.credentials = { ...agent.credentials, ...rotated };
    expect((await agent.heartbeat()).status).toBe(200);
  });
});

describe('contract: leaving', () => {
  it('DELETE /v1/agents/{id} answers 204; the agent is gone and its sources are free for another agent', async () => {
    const first = await enrollAgent(target);
    const second = await enrollAgent(target);
    const shared = first.credentials.entities.find((e) => second.credentials.entities.includes(e));
    if (shared === undefined) {
      console.log('Skipped (source freed on leave): the two enrollment keys share no entity.');
      return;
    }
    const where = { entity: shared, source: unique('till'), stream: 'sales' };
    const batchOf = (agent: ContractAgent) =>
      agent.batch(where, [record({ id: unique('k') }, { total: '1.00' }, nextSeq())]);
    const b1 = batchOf(first);
    batchAnswer(await first.sendBatch(b1), b1);
    const refused = await second.sendBatch(batchOf(second));
    expect([refused.status, errorCode(refused)]).toEqual([409, 'source_owned']);

    const left = await first.call('DELETE', `/v1/agents/${first.agentId}`);
    expect(left.status, left.text).toBe(204);
    expect((await first.sendBatch(batchOf(first))).status).toBe(401);
    expect((await first.requestToken()).status).toBe(401);
    const b2 = batchOf(second);
    batchAnswer(await second.sendBatch(b2), b2);
    if (needsSandbox(target, 'unregistered agent listed')) return;
    const listed = (await target.admin!.agents()).find((a) => a.agentId === first.agentId);
    expect(listed?.deletedAt).not.toBeNull();
  });
});
