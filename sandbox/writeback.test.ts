import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WritebackListResponseSchema } from '../agents/api/writeback.ts';
import { createPublicKey, verify } from 'node:crypto';
import { canonicalize } from './canonical-json.ts';
import { errorCode, send, startTestSandbox, TestAgent, type TestSandbox } from './sandbox-test-kit.ts';

let t: TestSandbox;
let agent: TestAgent;

beforeAll(async () => {
  t = await startTestSandbox();
  agent = await TestAgent.enroll(t.sandbox.url, t.admin);
});
afterAll(async () => t.cleanup());

describe('write-back routes (cloud-api.md § Write-back)', () => {
  it('lists signed items with per-key seq, after a cursor, and queues writeback-available', async () => {
    const agentId = agent.credentials.agentId;
    const a = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '1' }, data: { x: 1 } });
    const b = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '1' }, data: { x: 2 } });
    const c = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '2' }, data: { x: 3 } });
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 1]);
    const answer = await agent.call('GET', `/v1/agents/${agentId}/writebacks?after=0&limit=2`);
    expect(answer.status).toBe(200);
    const page = WritebackListResponseSchema.parse(answer.json);
    expect(page.items.map((i) => i.id)).toEqual([a.id, b.id]);
    const next = WritebackListResponseSchema.parse(
      (await agent.call('GET', `/v1/agents/${agentId}/writebacks?after=${page.cursor}&limit=10`)).json,
    );
    expect(next.items.map((i) => i.id)).toEqual([c.id]);
    const { cloudKey } = await t.admin.cloudKey();
    const key = createPublicKey({ key: Buffer.from(cloudKey, 'base64'), format: 'der', type: 'spki' });
    const valid = (value: Record<string, unknown>) => {
      const { sig, ...unsigned } = value;
      return verify(null, Buffer.from(canonicalize(unsigned)), key, Buffer.from(String(sig), 'base64'));
    };
    expect(valid(page.items[0]!)).toBe(true);
    expect(valid({ ...page.items[0]!, data: { x: 9 } })).toBe(false);
    const commands = await t.admin.commands(agentId);
    expect(commands.filter((cmd) => cmd.name === 'writeback-available').length).toBe(3);
  });

  it('takes pending then final, the same final again, and refuses a different final with 409', async () => {
    const agentId = agent.credentials.agentId;
    const item = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '9' }, data: {} });
    const path = `/v1/agents/${agentId}/writebacks/${item.id}/result`;
    expect((await agent.postJson(path, { id: item.id, status: 'pending', message: 'outcome_unknown' })).status).toBe(200);
    expect((await agent.postJson(path, { id: item.id, status: 'applied' })).status).toBe(200);
    expect((await agent.postJson(path, { id: item.id, status: 'applied' })).status).toBe(200);
    const conflict = await agent.postJson(path, { id: item.id, status: 'failed' });
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe('result_conflict');
    const unsigned = await send(t.sandbox.url, 'POST', path, {
      token: agent.token,
      body: JSON.stringify({ id: item.id, status: 'applied' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    const results = await t.admin.writebackResults(agentId);
    expect(results.filter((r) => r.id === item.id).map((r) => r.status)).toEqual(['pending', 'applied']);
  });
});
