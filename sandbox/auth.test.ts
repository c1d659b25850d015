import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnrollResponseSchema, RotateResponseSchema, TokenResponseSchema } from '../agents/api/cloud.ts';
import { errorCode, send, startTestSandbox, TestAgent, type TestSandbox } from './sandbox-test-kit.ts';

const REF = '/v1/reference/currencies';
let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => {
  await t.cleanup();
});

function enrollWith(key: string, hostname = 'pos-pc') {
  return send(t.sandbox.url, 'POST', '/v1/agents/enroll', {
    body: JSON.stringify({ enrollmentKey: key, name: 'till-1', hostname, version: '1.4.0' }),
    headers: { 'content-type': 'application/json' },
  });
}

describe('enrollment', () => {
  it('works once per key, then 409 enrollment_key_used; an unknown key is 401', async () => {
    const { key, created } = await t.admin.createEnrollmentKey('ek_store7_secret');
    expect(created).toBe(true);
    const first = await enrollWith(key);
    expect(first.status).toBe(201);
    const credentials = EnrollResponseSchema.parse(first.json);
    const { agentId, clientId, clientSecret, signingSecret } = credentials;
    expect(new Set([agentId, clientId, clientSecret, signingSecret]).size).toBe(4);
    expect(credentials.entities).toEqual(['store-7']);
    expect(credentials.seqFloors).toEqual({ 'store-7': 0 });

    const elsewhere = await enrollWith(key, 'another-pc');
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([409, 'enrollment_key_used']);
    const unknown = await enrollWith('ek_never_issued');
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'unknown_enrollment_key']);
    expect((await t.admin.createEnrollmentKey(key)).used).toBe(true);
    expect(await t.admin.agents()).toHaveLength(1);
  });

  it('keeps no client secret, token or enrollment key in the database file', async () => {
    await t.admin.createEnrollmentKey('ek_plaintext_must_not_be_stored');
    expect((await enrollWith('ek_plaintext_must_not_be_stored')).status).toBe(201);
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    await t.sandbox.close(); // checkpoints the WAL into the main file
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(t.dbPath).toString('latin1');
    expect(bytes).not.toContain('ek_plaintext_must_not_be_stored');
    expect(bytes).not.toContain(agent.credentials.clientSecret);
    expect(bytes).not.toContain(agent.token);
    expect(bytes).toContain(agent.credentials.signingSecret);
  });

  it('answers every error with code, message and request id, and every response with X-Request-Id', async () => {
    const answer = await enrollWith('ek_unknown');
    const body = answer.json as { error: { code: string; message: string; requestId: string } };
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(body.error.requestId).toBe(answer.headers.get('x-request-id'));
    expect((await send(t.sandbox.url, 'GET', '/')).headers.get('x-request-id')).toMatch(/^req_/);
  });
});

describe('agent version', () => {
  it('refuses a request without TYA-Agent-Version with 400, and old agents with 426 once a minimum is set', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const bare = await fetch(`${t.sandbox.url}${REF}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('missing_agent_version');

    await t.admin.setMinimumAgentVersion('1.5.0');
    const old = await agent.call('GET', REF);
    expect([old.status, errorCode(old)]).toEqual([426, 'upgrade_required']);
    const current = await agent.call('GET', REF, { headers: { 'tya-agent-version': '1.5.0' } });
    expect(current.status).toBe(200);
    const prerelease = await agent.call('GET', REF, { headers: { 'tya-agent-version': '1.5.0-rc.1' } });
    expect(prerelease.status).toBe(426);
  });
});

describe('tokens', () => {
  it('issues opaque bearer tokens that expire on the sandbox clock', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const answer = await agent.requestToken();
    const token = TokenResponseSchema.parse(answer.json);
    expect(token.expires_in).toBe(900);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect((await agent.call('GET', REF, { token: token.access_token })).status).toBe(200);

    await t.admin.setClockOffset(901_000);
    const expired = await agent.call('GET', REF, { token: token.access_token });
    expect([expired.status, errorCode(expired)]).toEqual([401, 'token_expired']);
    const unknown = await agent.call('GET', REF, { token: 'not-a-token' });
    expect([unknown.status, errorCode(unknown)]).toEqual([401, 'invalid_token']);
  });

  it('expires a token after tokenTtlSecs of real time', async () => {
    const short = await startTestSandbox({ tokenTtlSecs: 1 });
    try {
      const agent = await TestAgent.enroll(short.sandbox.url, short.admin);
      expect((await agent.call('GET', REF)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect(errorCode(await agent.call('GET', REF))).toBe('token_expired');
    } finally {
      await short.cleanup();
    }
  });

  it('refuses a wrong client secret or grant type', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const wrong = await agent.requestToken('wrong-secret');
    expect([wrong.status, errorCode(wrong)]).toEqual([401, 'invalid_client']);
    const grant = await send(t.sandbox.url, 'POST', '/v1/oauth/token', {
      body: 'grant_type=password&client_id=x&client_secret=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([grant.status, errorCode(grant)]).toEqual([400, 'unsupported_grant_type']);
  });

  it('accepts client credentials as HTTP Basic too (RFC 6749 §2.3.1)', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const { clientId, clientSecret } = agent.credentials;
    const answer = await send(t.sandbox.url, 'POST', '/v1/oauth/token', {
      body: 'grant_type=client_credentials',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
    });
    expect(answer.status).toBe(200);
  });

  it('answers agent_revoked on every endpoint once the agent is revoked, the token endpoint included', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const other = await TestAgent.enroll(t.sandbox.url, t.admin, 'other');
    await t.admin.revokeAgent(agent.credentials.agentId);
    const answers = [
      await agent.requestToken(),
      await agent.call('GET', REF),
      await agent.postJson(`/v1/agents/${agent.credentials.agentId}/heartbeat`, {}),
      await agent.call('PUT', `/v1/files/${'0'.repeat(64)}`, { body: 'x' }),
    ];
    expect(answers.map((a) => [a.status, errorCode(a)])).toEqual(Array(4).fill([401, 'agent_revoked']));
    expect((await other.call('GET', REF)).status).toBe(200);
  });
});

describe('signatures', () => {
  const hb = (agent: TestAgent) => `/v1/agents/${agent.credentials.agentId}/heartbeat`;
  const heartbeat = {
    version: '1.4.0',
    uptimeSecs: 12,
    sentAt: '2026-11-29T15:01:49.123Z',
    channel: 'heartbeat',
    queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
    sources: [],
    alerts: [],
    auditHead: null,
    acks: [],
  };

  it('refuses a missing or wrong signature with bad_signature', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    expect((await agent.postJson(hb(agent), heartbeat)).status).toBe(200);
    const missing = await agent.postJson(hb(agent), heartbeat, { sign: false });
    expect([missing.status, errorCode(missing)]).toEqual([401, 'bad_signature']);
    const wrong = await agent.postJson(hb(agent), heartbeat, { sign: { secret: 'not-the-secret' } });
    expect([wrong.status, errorCode(wrong)]).toEqual([401, 'bad_signature']);
    const garbled = await agent.postJson(hb(agent), heartbeat, { sign: false, headers: { 'tya-signature': 'v1=zz' } });
    expect(errorCode(garbled)).toBe('bad_signature');
  });

  it('covers the exact bytes: a body changed after signing is refused', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const { signatureHeader } = await import('./signature.ts');
    const signed = signatureHeader(
      agent.credentials.signingSecret,
      'POST',
      hb(agent),
      JSON.stringify(heartbeat),
      Math.floor(Date.now() / 1000),
    );
    const tampered = await agent.postJson(
      hb(agent),
      { ...heartbeat, uptimeSecs: 13 },
      {
        sign: false,
        headers: { 'tya-signature': signed },
      },
    );
    expect(errorCode(tampered)).toBe('bad_signature');
  });

  it('refuses a timestamp outside ±300 s with signature_expired, and accepts skew within the window', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const now = Math.floor(Date.now() / 1000);
    const old = await agent.postJson(hb(agent), heartbeat, { sign: { unixSecs: now - 400 } });
    expect([old.status, errorCode(old)]).toEqual([401, 'signature_expired']);
    const future = await agent.postJson(hb(agent), heartbeat, { sign: { unixSecs: now + 400 } });
    expect(errorCode(future)).toBe('signature_expired');

    await t.admin.setClockOffset(200_000);
    expect((await agent.postJson(hb(agent), heartbeat)).status).toBe(200);
    await t.admin.setClockOffset(-290_000);
    expect((await agent.postJson(hb(agent), heartbeat)).status).toBe(200);
    await t.admin.setClockOffset(400_000);
    expect(errorCode(await agent.postJson(hb(agent), heartbeat))).toBe('signature_expired');
  });

  it('after rotation accepts the previous signing secret for 24 hours, then only the new one', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const oldSecret = agent.credentials.signingSecret;
    const rotatedAnswer = await agent.postJson(
      `/v1/agents/${agent.credentials.agentId}/rotate`,
      {},
      { headers: { 'idempotency-key': 'rotation-1' } },
    );
    expect(rotatedAnswer.status).toBe(200);
    const rotated = RotateResponseSchema.parse(rotatedAnswer.json);
    expect(rotated.signingSecret).not.toBe(oldSecret);

    expect((await agent.postJson(hb(agent), heartbeat, { sign: { secret: oldSecret } })).status).toBe(200);
    expect((await agent.postJson(hb(agent), heartbeat, { sign: { secret: rotated.signingSecret } })).status).toBe(200);
    // The old client secret works until the new one is first used; the same Idempotency-Key gets the same secrets.
    expect((await agent.requestToken()).status).toBe(200);
    const again = await agent.postJson(
      `/v1/agents/${agent.credentials.agentId}/rotate`,
      {},
      { headers: { 'idempotency-key': 'rotation-1' }, sign: { secret: oldSecret } },
    );
    expect(RotateResponseSchema.parse(again.json)).toEqual(rotated);
    expect((await agent.requestToken(rotated.clientSecret)).status).toBe(200);
    expect(errorCode(await agent.requestToken())).toBe('invalid_client');
    const missingKey = await agent.postJson(`/v1/agents/${agent.credentials.agentId}/rotate`, {});
    expect([missingKey.status, errorCode(missingKey)]).toEqual([400, 'missing_idempotency_key']);

    const dayLaterMs = 24 * 3600 * 1000 + 60_000;
    await t.admin.setClockOffset(dayLaterMs);
    const fresh = TokenResponseSchema.parse((await agent.requestToken(rotated.clientSecret)).json).access_token;
    const later = Math.floor((Date.now() + dayLaterMs) / 1000);
    const stale = await agent.postJson(hb(agent), heartbeat, {
      token: fresh,
      sign: { secret: oldSecret, unixSecs: later },
    });
    expect(errorCode(stale)).toBe('bad_signature');
    const current = await agent.postJson(hb(agent), heartbeat, {
      token: fresh,
      sign: { secret: rotated.signingSecret, unixSecs: later },
    });
    expect(current.status).toBe(200);
  });

  it('refuses to act for another agent than the token belongs to', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const other = await TestAgent.enroll(t.sandbox.url, t.admin, 'other');
    const answer = await agent.postJson(hb(other), heartbeat);
    expect([answer.status, errorCode(answer)]).toEqual([403, 'agent_mismatch']);
  });
});
