import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePutResponseSchema, HeartbeatResponseSchema, ReferenceListSchema } from '../agents/api/cloud.ts';
import { errorCode, startTestSandbox, TestAgent, type TestSandbox } from './sandbox-test-kit.ts';

let t: TestSandbox;
let agent: TestAgent;
beforeEach(async () => {
  t = await startTestSandbox();
  agent = await TestAgent.enroll(t.sandbox.url, t.admin);
});
afterEach(async () => {
  await t.cleanup();
});

describe('PUT /v1/files/{sha256}', () => {
  const statement = Buffer.from(':20:STMT-0001\n:60F:C261129EUR1234,50\n', 'latin1');
  const sha = createHash('sha256').update(statement).digest('hex');
  const headers = { 'content-type': 'text/plain' };
  const name = 'Wyciąg_0412 (kopia).sta';
  const path = (entity = 'store-7', hash = sha) =>
    `/v1/files/${hash}?entity=${encodeURIComponent(entity)}&source=bank-folder&name=${encodeURIComponent(name)}`;

  it('stores the bytes once per entity: 201 the first time, 200 after, keeping the UTF-8 name from the query', async () => {
    const first = await agent.call('PUT', path(), { body: statement, headers });
    expect(first.status).toBe(201);
    expect(FilePutResponseSchema.parse(first.json)).toEqual({ sha256: sha, bytes: statement.length });
    const second = await agent.call('PUT', path(), { body: statement, headers });
    expect(second.status).toBe(200);
    expect(await t.admin.files()).toEqual([
      expect.objectContaining({
        entity: 'store-7',
        sha256: sha,
        bytes: statement.length,
        name,
        source: 'bank-folder',
        exportName: null,
        contentType: 'text/plain',
      }),
    ]);
    const exported = await agent.call('PUT', `${path()}&export=daily%20sales`, { body: statement, headers });
    expect(exported.status).toBe(200);
    expect((await t.admin.fileContent(sha)).equals(statement)).toBe(true);
    expect(existsSync(join(t.dir, 'files', sha))).toBe(true);
    expect((await t.admin.counts()).files).toBe(1);
  });

  it('refuses bytes that do not hash to the path with 400 hash_mismatch, and a malformed hash', async () => {
    const wrong = await agent.call('PUT', path(), {
      body: Buffer.concat([statement, Buffer.from('x')]),
      headers,
    });
    expect([wrong.status, errorCode(wrong)]).toEqual([400, 'hash_mismatch']);
    const malformed = await agent.call('PUT', path('store-7', 'not-a-hash'), { body: statement, headers });
    expect([malformed.status, errorCode(malformed)]).toEqual([400, 'invalid_hash']);
    const noName = await agent.call('PUT', `/v1/files/${sha}?entity=store-7&source=bank-folder`, { body: statement });
    expect([noName.status, errorCode(noName)]).toEqual([400, 'missing_parameter']);
    const foreign = await agent.call('PUT', path('store-9'), { body: statement, headers });
    expect([foreign.status, errorCode(foreign)]).toEqual([403, 'entity_not_allowed']);
    expect(await t.admin.files()).toEqual([]);
  });

  it('verifies the hash of the decoded bytes when the upload is gzip-compressed, and keeps them in SQLite without filesDir', async () => {
    const inDb = await startTestSandbox({ filesDir: undefined });
    try {
      const other = await TestAgent.enroll(inDb.sandbox.url, inDb.admin);
      const answer = await other.call('PUT', path(), { body: statement, headers, gzip: true });
      expect(answer.status).toBe(201);
      expect((await inDb.admin.fileContent(sha)).equals(statement)).toBe(true);
      expect(existsSync(join(inDb.dir, 'files', sha))).toBe(false);
    } finally {
      await inDb.cleanup();
    }
  });
});

describe('POST /v1/agents/{agentId}/heartbeat', () => {
  const heartbeat = {
    version: '1.4.0',
    uptimeSecs: 3600.5,
    sentAt: '2026-11-29T15:01:49.123Z',
    channel: 'heartbeat' as const,
    queue: { depth: 12, oldestAgeSecs: 4.2, deadLetters: 1 },
    sources: [{ name: 'pos-db', healthy: true, lastSuccessAt: '2026-11-29T15:01:40.000Z', lastErrorCode: null }],
    alerts: [{ code: 'odbc_timeout', message: 'The POS database did not answer.', since: '2026-11-29T15:00:00.000Z' }],
    auditHead: null,
    acks: [],
  };
  const path = () => `/v1/agents/${agent.credentials.agentId}/heartbeat`;

  it('stores the heartbeat and hands over each queued command exactly once', async () => {
    const empty = await agent.postJson(path(), heartbeat);
    expect(HeartbeatResponseSchema.parse(empty.json).commands).toEqual([]);
    const syncId = await t.admin.queueCommand(agent.credentials.agentId, 'sync-now', { source: 'pos-db' });
    const resyncId = await t.admin.queueCommand(agent.credentials.agentId, 'resync-stream', {
      source: 'pos-db',
      stream: 'sales',
    });

    const withCommands = HeartbeatResponseSchema.parse((await agent.postJson(path(), heartbeat)).json);
    expect(withCommands.commands.map(({ sig: _sig, ...command }) => command)).toEqual([
      { type: 'command', id: syncId, name: 'sync-now', args: { source: 'pos-db' } },
      { type: 'command', id: resyncId, name: 'resync-stream', args: { source: 'pos-db', stream: 'sales' } },
    ]);
    expect(withCommands.commands.every((c) => typeof c.sig === 'string' && c.sig.length > 0)).toBe(true);
    expect(withCommands.seqFloors).toEqual({ 'store-7': 0 });
    const after = HeartbeatResponseSchema.parse((await agent.postJson(path(), heartbeat)).json);
    expect(after.commands).toEqual([]);

    const stored = await t.admin.heartbeats();
    expect(stored).toHaveLength(3);
    expect(stored[0]).toMatchObject({ agentId: agent.credentials.agentId, body: heartbeat });
    expect((await t.admin.counts()).heartbeats).toBe(3);
    expect((await t.admin.agents())[0]!.lastSeenAt).not.toBeNull();
  });

  it('stores the newest audit head and answers with it; a heartbeat without a head keeps the stored one', async () => {
    const first = `sha256:${'a'.repeat(64)}`;
    const second = `sha256:${'b'.repeat(64)}`;
    expect(HeartbeatResponseSchema.parse((await agent.postJson(path(), heartbeat)).json).auditHeadAck).toBeNull();
    expect(HeartbeatResponseSchema.parse((await agent.postJson(path(), { ...heartbeat, auditHead: first })).json).auditHeadAck).toBe(first);
    expect(HeartbeatResponseSchema.parse((await agent.postJson(path(), { ...heartbeat, auditHead: second })).json).auditHeadAck).toBe(second);
    expect(HeartbeatResponseSchema.parse((await agent.postJson(path(), heartbeat)).json).auditHeadAck).toBe(second);
    expect((await t.admin.agents())[0]!.auditHead).toBe(second);
  });

  it('refuses a body that is not a heartbeat, and commands for unknown agents', async () => {
    const bad = await agent.postJson(path(), { ...heartbeat, queue: { depth: -1 } });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'invalid_request']);
    await expect(t.admin.queueCommand('ag_nobody', 'pause')).rejects.toMatchObject({
      status: 404,
      code: 'unknown_agent',
    });
  });
});

describe('GET /v1/reference/{name}', () => {
  it('serves currencies with a strong ETag and answers 304 to If-None-Match', async () => {
    const first = await agent.call('GET', '/v1/reference/currencies');
    expect(first.status).toBe(200);
    const list = ReferenceListSchema.parse(first.json);
    const codes = list.items.map((i) => i.code);
    for (const code of [
      'EUR',
      'USD',
      'GBP',
      'CHF',
      'HUF',
      'HKD',
      'BRL',
      'AUD',
      'SEK',
      'NOK',
      'DKK',
      'PLN',
      'CZK',
      'JPY',
    ]) {
      expect(codes).toContain(code);
    }
    expect(list.items.find((i) => i.code === 'JPY')!.minorUnits).toBe('0');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);

    const cached = await agent.call('GET', '/v1/reference/currencies', { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
    const listed = await agent.call('GET', '/v1/reference/currencies', {
      headers: { 'if-none-match': `"stale", W/${etag}` },
    });
    expect(listed.status).toBe(304);
    const stale = await agent.call('GET', '/v1/reference/currencies', { headers: { 'if-none-match': '"stale"' } });
    expect(stale.status).toBe(200);
  });

  it('serves countries and tax codes, each with its own ETag, and 404 for an unknown list', async () => {
    const countries = await agent.call('GET', '/v1/reference/countries');
    const taxes = await agent.call('GET', '/v1/reference/tax-codes');
    expect(ReferenceListSchema.parse(countries.json).items.map((i) => i.code)).toContain('DE');
    expect(ReferenceListSchema.parse(taxes.json).items.find((i) => i.code === 'DE-19')!.rate).toBe('19.00');
    expect(countries.headers.get('etag')).not.toBe(taxes.headers.get('etag'));
    const missing = await agent.call('GET', '/v1/reference/planets');
    expect([missing.status, errorCode(missing)]).toEqual([404, 'unknown_reference_list']);
  });

  it('requires a bearer token', async () => {
    const anonymous = await agent.call('GET', '/v1/reference/currencies', { token: null });
    expect([anonymous.status, errorCode(anonymous)]).toEqual([401, 'invalid_token']);
  });
});
