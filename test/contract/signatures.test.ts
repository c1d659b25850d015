import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchAnswer } from './batch-answer.ts';
import { errorCode, nextSeq, record, request, signV2, unique, type ContractAgent } from './contract-client.ts';
import { enrollAgent, openContractTarget, type ContractTarget } from './contract-target.ts';

let target: ContractTarget;
let agent: ContractAgent;
beforeAll(async () => {
  target = await openContractTarget();
  agent = await enrollAgent(target);
});
afterAll(async () => {
  await target.close();
});

const batch = () =>
  agent.batch({ source: unique('till'), stream: 'sales' }, [record({ id: unique('k') }, { total: '1.00' }, nextSeq())]);
const hbPath = () => `/v1/agents/${agent.agentId}/heartbeat`;

describe('contract: signatures (v2)', () => {
  it('refuses a missing signature, a wrong secret and a v1 signature with 401 bad_signature', async () => {
    const b = batch();
    const answers = [
      await agent.sendBatch(b, { sign: null }),
      await agent.sendBatch(b, { sign: { secret: 'not-the-signing-secret' } }),
      await agent.sendBatch(b, {
        sign: null,
        headers: { 'tya-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      }),
    ];
    expect(answers.map((a) => [a.status, errorCode(a)])).toEqual(Array(3).fill([401, 'bad_signature']));
    batchAnswer(await agent.sendBatch(b), b);
  });

  it('refuses a signature older or newer than 300 s with signature_expired and a Date header; re-signed with the offset it passes', async () => {
    const b = batch();
    const old = await agent.sendBatch(b, { sign: { unixSecs: Math.floor(Date.now() / 1000) - 400 } });
    expect([old.status, errorCode(old)]).toEqual([401, 'signature_expired']);
    const date = old.headers.get('date');
    expect(date).not.toBeNull();
    const future = await agent.sendBatch(b, { sign: { unixSecs: Math.floor(Date.now() / 1000) + 400 } });
    expect(errorCode(future)).toBe('signature_expired');
    agent.offsetSecs = Math.round((Date.parse(date!) - Date.now()) / 1000);
    batchAnswer(await agent.sendBatch(b), b);
    agent.offsetSecs = 0;
  });

  it('binds method and path: a captured body and signature replayed to another route or method is refused', async () => {
    const b = batch();
    const body = Buffer.from(JSON.stringify(b));
    const t = Math.floor(Date.now() / 1000);
    const signature = signV2(agent.credentials.signingSecret, t, 'POST', '/v1/batches', body);
    const headers = { 'content-type': 'application/json', 'idempotency-key': b.batchId, 'tya-signature': signature };
    const elsewhere = await request(target.url, 'POST', hbPath(), { body, headers, token: agent.token });
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([401, 'bad_signature']);
    const withQuery = await request(target.url, 'POST', '/v1/batches?x=1', { body, headers, token: agent.token });
    expect([withQuery.status, errorCode(withQuery)]).toEqual([401, 'bad_signature']);
    const otherMethod = await agent.sendBatch(b, { sign: { method: 'PUT' } });
    expect([otherMethod.status, errorCode(otherMethod)]).toEqual([401, 'bad_signature']);
    batchAnswer(await request(target.url, 'POST', '/v1/batches', { body, headers, token: agent.token }), b);
  });

  it('covers the body bytes as sent: a changed body is refused, a gzip body is signed compressed', async () => {
    const b = batch();
    const body = Buffer.from(JSON.stringify(b));
    const signature = signV2(
      agent.credentials.signingSecret,
      Math.floor(Date.now() / 1000),
      'POST',
      '/v1/batches',
      body,
    );
    const tampered = await request(target.url, 'POST', '/v1/batches', {
      body: Buffer.from(body.toString().replace('"1.00"', '"9.99"')),
      headers: { 'content-type': 'application/json', 'idempotency-key': b.batchId, 'tya-signature': signature },
      token: agent.token,
    });
    expect(errorCode(tampered)).toBe('bad_signature');
    batchAnswer(await agent.sendBatch(b, { gzip: true }), b);
  });

  it('signs DELETE too, over the empty body', async () => {
    const leaving = await enrollAgent(target);
    const unsigned = await leaving.call('DELETE', `/v1/agents/${leaving.agentId}`, { sign: null });
    expect([unsigned.status, errorCode(unsigned)]).toEqual([401, 'bad_signature']);
    expect((await leaving.call('DELETE', `/v1/agents/${leaving.agentId}`)).status).toBe(204);
  });
});
