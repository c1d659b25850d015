/**
 * Enrollment, the cloud client's calls and the heartbeat, against the real sandbox on loopback, a
 * real outbox file and the real OS keychain (run inside scripts/with-keyring.sh).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudCommand } from '../../agents/api/cloud.ts';
import {
  CloudClient,
  CommandLedger,
  HeartbeatLoop,
  enrollAgent,
  readEnrollment,
  rotateCredentials,
} from '../../agents/delivery/index.ts';
import type { DeprecationNotice, Enrollment, HeartbeatLoopOptions } from '../../agents/delivery/index.ts';
import { CloudSignatureVerifier } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { AgentError } from '../../agents/pipeline/errors.ts';
import { CredentialRotator, ROTATION_FAILED_ALERT } from '../../agents/engine/credential-rotation.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import { KeytarSecretStore } from '../../agents/vault/keytar-secret-store.ts';
import { SecretRefs } from '../../agents/vault/secret-store.ts';
import type { SecretStore } from '../../agents/vault/secret-store.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox } from '../../sandbox/server.ts';
import type { Sandbox } from '../../sandbox/server.ts';

const VERSION = '1.4.0';

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let outbox: Outbox;
let secrets: KeytarSecretStore;
const closers: Array<() => unknown> = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tya-delivery-enroll-'));
  sandbox = await startSandbox({ port: 0, dbPath: join(dir, 'cloud.sqlite') });
  admin = new SandboxAdmin(sandbox.url);
  outbox = Outbox.open({
    path: join(dir, 'data', 'outbox.sqlite'),
    maxBytes: 16 * 1024 * 1024,
    synchronous: 'FULL',
    clock: systemClock,
  });
  secrets = new KeytarSecretStore({ namespace: `delivery-test-${randomUUID()}` });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const ref of Object.values(SecretRefs)) await secrets.delete(ref);
  outbox.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function enroll(key: string, store: SecretStore = secrets, hostname = 'pc-7'): Promise<Enrollment> {
  return enrollAgent({
    url: sandbox.url,
    enrollmentKey: key,
    name: 'back office',
    hostname,
    version: VERSION,
    secrets: store,
    outbox,
  });
}

function clientFor(
  enrollment: Enrollment,
  extra: { onDeprecation?: (n: DeprecationNotice) => void } = {},
): CloudClient {
  const client = new CloudClient({
    baseUrl: sandbox.url,
    agentVersion: VERSION,
    timeoutMs: 5_000,
    clock: systemClock,
    credentials: {
      agentId: enrollment.agentId,
      clientId: enrollment.clientId,
      getClientSecret: async () => (await secrets.get(SecretRefs.clientSecret))!,
      getSigningSecret: async () => (await secrets.get(SecretRefs.signingSecret))!,
    },
    ...extra,
  });
  closers.push(() => client.close());
  return client;
}

/** Every byte under `root` (the outbox, its WAL, anything else), to look for leaked secrets. */
function allBytes(root: string): Buffer {
  const parts: Buffer[] = [];
  for (const name of readdirSync(root, { recursive: true }) as string[]) {
    const path = join(root, name);
    if (statSync(path).isFile()) parts.push(readFileSync(path));
  }
  return Buffer.concat(parts);
}

async function errorOf(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

describe('enrollment', () => {
  it('keeps the secrets in the keychain, the identity in the outbox, and neither secret in any file', async () => {
    const { key } = await admin.createEnrollmentKey();
    const enrollment = await enroll(key);

    expect(readEnrollment(outbox)).toEqual(enrollment);
    expect(enrollment.cloudUrl).toBe(sandbox.url);
    const [agent] = await admin.agents();
    expect(agent?.agentId).toBe(enrollment.agentId);

    const clientSecret = await secrets.get(SecretRefs.clientSecret);
    const signingSecret = await secrets.get(SecretRefs.signingSecret);
    expect(clientSecret).toMatch(/.{16,}/);
    expect(signingSecret).toMatch(/.{16,}/);

    // The secrets work: a token can be had with them.
    const token = await clientFor(enrollment).fetchToken();
    expect(token.length).toBeGreaterThan(10);

    const bytes = allBytes(join(dir, 'data'));
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(enrollment.agentId)).toBe(true); // the search itself can find things
    expect(bytes.includes(clientSecret!)).toBe(false);
    expect(bytes.includes(signingSecret!)).toBe(false);
    expect(bytes.includes(key)).toBe(false);
  });

  it('refuses a used key (409) and an unknown key (401) in plain words, leaving the enrollment alone', async () => {
    const { key } = await admin.createEnrollmentKey();
    const first = await enroll(key);

    // The same host asking again (its first answer lost) gets the same identity, not a burnt key.
    const retried = await enroll(key);
    expect(retried.agentId).toBe(first.agentId);

    const reused = await errorOf(enroll(key, secrets, 'another-host'));
    expect(reused.code).toBe('enrollment_key_used');
    expect(reused.message).toBe('This enrollment key was already used; ask for a new one.');

    const unknown = await errorOf(enroll('ek_never_issued_123456'));
    expect(unknown.code).toBe('unknown_enrollment_key');
    expect(unknown.message).toMatch(/^Unknown enrollment key/);

    expect(readEnrollment(outbox)).toMatchObject({ agentId: first.agentId, clientId: first.clientId });
    expect((await admin.counts()).agents).toBe(1);
  });

  it('says it cannot reach the URL when nothing listens there', async () => {
    const port = await freePort();
    const error = await errorOf(
      enrollAgent({
        url: `http://127.0.0.1:${port}`,
        enrollmentKey: 'ek_x',
        name: 'n',
        hostname: 'h',
        version: VERSION,
        secrets,
        outbox,
      }),
    );
    expect(error.code).toBe('cloud_unreachable');
    expect(error.message).toContain(`Cannot reach the cloud at http://127.0.0.1:${port}`);
    expect(readEnrollment(outbox)).toBeNull();
  });

  it('aborts without a partial enrollment when the keychain fails to keep a secret', async () => {
    const { key } = await admin.createEnrollmentKey();
    // The real keychain, except that it refuses the second secret (a keyring locking mid-way).
    let sets = 0;
    const flaky: SecretStore = {
      get: (ref) => secrets.get(ref),
      delete: (ref) => secrets.delete(ref),
      probe: () => secrets.probe(),
      set: async (ref, value) => {
        sets += 1;
        if (sets === 2) throw new Error('the keyring was locked');
        await secrets.set(ref, value);
      },
    };
    const error = await errorOf(enroll(key, flaky));
    expect(error.code).toBe('keychain_failed');
    expect(readEnrollment(outbox)).toBeNull();
    for (const k of ['enrollment.agentId', 'enrollment.clientId', 'enrollment.cloudUrl', 'enrollment.enrolledAt']) {
      expect(outbox.getState(k)).toBeUndefined();
    }
    expect(await secrets.get(SecretRefs.clientSecret)).toBeUndefined();
    expect(await secrets.get(SecretRefs.signingSecret)).toBeUndefined();
  });

  it('does not spend the enrollment key when the keychain is unusable from the start', async () => {
    const { key } = await admin.createEnrollmentKey();
    const broken: SecretStore = {
      get: (ref) => secrets.get(ref),
      set: (ref, value) => secrets.set(ref, value),
      delete: (ref) => secrets.delete(ref),
      probe: () => Promise.reject(new Error('no Secret Service')),
    };
    await expect(enroll(key, broken)).rejects.toThrow('no Secret Service');
    expect((await admin.counts()).agents).toBe(0);
    // The same key still works once the keychain does.
    expect((await enroll(key)).agentId).toMatch(/.+/);
  });
});

describe('cloud client', () => {
  it('archives a file idempotently, caches reference data by ETag and surfaces deprecation headers', async () => {
    const { key } = await admin.createEnrollmentKey();
    const notices: DeprecationNotice[] = [];
    const client = clientFor(await enroll(key), { onDeprecation: (n) => notices.push(n) });

    const bytes = Buffer.from('OFXHEADER:100\nDATA:OFXSGML\n<OFX></OFX>\n');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const meta = { fileName: 'statement €.ofx', source: 'bank-folder', contentType: 'application/x-ofx', entity: 'store-7' };
    expect(await client.putFile(sha, bytes, meta)).toMatchObject({ sha256: sha, bytes: bytes.length, created: true });
    expect(await client.putFile(sha, bytes, meta)).toMatchObject({ created: false });
    expect((await admin.fileContent(sha)).equals(bytes)).toBe(true);

    const first = await client.getReference('currencies');
    expect(first.notModified).toBe(false);
    if (first.notModified) return;
    expect(first.list.items.length).toBeGreaterThan(0);
    expect(first.etag).toBeDefined();
    expect(await client.getReference('currencies', first.etag)).toEqual({ notModified: true });

    expect(notices).toEqual([]);
    await admin.setDeprecation({ deprecation: '@1798761600', sunset: 'Fri, 01 Jan 2027 00:00:00 GMT' });
    await client.getReference('currencies', first.etag);
    await client.getReference('currencies', first.etag);
    expect(notices).toEqual([
      { deprecation: '@1798761600', sunset: 'Fri, 01 Jan 2027 00:00:00 GMT', path: '/v1/reference/currencies' },
    ]);

    const counts = await admin.counts();
    // One token for all of the above: it is cached.
    expect(counts.requests['POST /v1/oauth/token']).toEqual({ '200': 1 });
  });

  it('rotates the credentials into the keychain and keeps working with the new ones', async () => {
    const { key } = await admin.createEnrollmentKey();
    const client = clientFor(await enroll(key));
    await client.fetchToken();
    const oldClientSecret = await secrets.get(SecretRefs.clientSecret);
    const oldSigningSecret = await secrets.get(SecretRefs.signingSecret);

    await rotateCredentials({ client, secrets, state: outbox });

    expect(await secrets.get(SecretRefs.clientSecret)).not.toBe(oldClientSecret);
    expect(await secrets.get(SecretRefs.signingSecret)).not.toBe(oldSigningSecret);
    expect(await secrets.get(SecretRefs.previousSigningSecret)).toBe(oldSigningSecret);
    // A new token from the new client secret, and a request signed with the new signing secret.
    const bytes = Buffer.from('after rotation');
    const sha = createHash('sha256').update(bytes).digest('hex');
    await client.putFile(sha, bytes, { fileName: 'a.txt', source: 's', contentType: 'text/plain', entity: 'store-7' });
    const counts = await admin.counts();
    expect(counts.requests['POST /v1/oauth/token']).toEqual({ '200': 2 });
    expect(counts.requests['PUT /v1/files/{sha256}']).toEqual({ '201': 1 });
  });

  it('finishes a rotation the keychain refused at the next hourly check, with the same new secrets, also without a schedule', async () => {
    const { key } = await admin.createEnrollmentKey();
    const client = clientFor(await enroll(key));
    await client.fetchToken();
    const oldClientSecret = await secrets.get(SecretRefs.clientSecret);
    // The real keychain, except that it refuses the first new client secret (another writer held
    // the vault, a keyring locked for a moment); it remembers what it was asked to keep.
    const offered: string[] = [];
    let refused = false;
    const flaky: SecretStore = {
      get: (ref) => secrets.get(ref),
      delete: (ref) => secrets.delete(ref),
      probe: () => secrets.probe(),
      set: async (ref, value) => {
        if (ref === SecretRefs.clientSecret) offered.push(value);
        if (ref === SecretRefs.clientSecret && !refused) {
          refused = true;
          throw new AgentError('vault_busy', 'Another process kept the vault locked.');
        }
        await secrets.set(ref, value);
      },
    };
    const alerts = new Map<string, string>();
    const rotator = new CredentialRotator({
      client: () => client,
      secrets: flaky,
      state: outbox,
      alerts: { raiseAlert: (a) => alerts.set(a.code, a.message), clearAlert: (code) => alerts.delete(code) },
      now: () => Date.now(),
      // No schedule: only the pending rotation makes the hourly check act.
      everyDays: () => 0,
      logger: createSilentLogger(),
    });

    const failed = await errorOf(rotator.rotate('command'));
    expect(failed.code).toBe('keychain_failed');
    expect(failed.hint).toMatch(/current credentials keep working/);
    expect(alerts.get(ROTATION_FAILED_ALERT)).toMatch(/tries again within the hour/);
    // The cloud keeps the old client secret until the new one is first used: still a token.
    expect(await secrets.get(SecretRefs.clientSecret)).toBe(oldClientSecret);
    await clientFor(readEnrollment(outbox)!).fetchToken();

    await rotator.check();
    // The same secrets as the cloud's first answer (same Idempotency-Key), now kept, and they work.
    expect(offered).toHaveLength(2);
    expect(offered[1]).toBe(offered[0]);
    expect(await secrets.get(SecretRefs.clientSecret)).toBe(offered[0]);
    expect(alerts.has(ROTATION_FAILED_ALERT)).toBe(false);
    await clientFor(readEnrollment(outbox)!).fetchToken();
    const bytes = Buffer.from('after the finished rotation');
    await clientFor(readEnrollment(outbox)!).putFile(createHash('sha256').update(bytes).digest('hex'), bytes, { fileName: 'b.txt', source: 's', contentType: 'text/plain', entity: 'store-7' });
    // Nothing pending any more: the next check does nothing.
    await rotator.check();
    expect(offered).toHaveLength(2);
  });

  it('answers 426 as a permanent upgrade_required error', async () => {
    const { key } = await admin.createEnrollmentKey();
    const client = clientFor(await enroll(key));
    await admin.setMinimumAgentVersion('2.0.0');
    const error = await errorOf(client.getReference('currencies'));
    expect(error.code).toBe('upgrade_required');
  });
});

describe('heartbeat', () => {
  it('sends the summary and runs each cloud command at most once, across restarts', async () => {
    const { key } = await admin.createEnrollmentKey();
    const enrollment = await enroll(key);
    const client = clientFor(enrollment);
    const ran: CloudCommand[] = [];
    const makeLoop = () =>
      new HeartbeatLoop({
        client,
        intervalSecs: 30,
        clock: systemClock,
        outbox,
        logger: createSilentLogger(),
        buildSummary: () => ({
          version: VERSION,
          uptimeSecs: 12,
          sentAt: new Date().toISOString(),
          queue: { depth: 3, oldestAgeSecs: 1.5, deadLetters: 0 },
          sources: [{ name: 'pos-db', healthy: true, lastSuccessAt: null, lastErrorCode: null }],
          channel: 'heartbeat' as const,
          alerts: [],
          auditHead: null,
        }),
        verifier: new CloudSignatureVerifier(enrollment.cloudKey!),
        onCommand: (command) => {
          ran.push(command);
          return Promise.resolve(
            command.name === 'pause'
              ? { ok: false as const, error: { code: 'unknown_source', message: 'No source x.' } }
              : { ok: true as const },
          );
        },
      });

    const syncId = await admin.queueCommand(enrollment.agentId, 'sync-now', { source: 'pos-db' });
    const pauseId = await admin.queueCommand(enrollment.agentId, 'pause', { source: 'x' });
    const loop = makeLoop();
    await loop.beat();
    await loop.settled();
    expect(ran.map((c) => [c.id, c.name])).toEqual([
      [syncId, 'sync-now'],
      [pauseId, 'pause'],
    ]);
    expect(ran[0]!.args).toEqual({ source: 'pos-db' });

    // The same command arriving again (e.g. also over the tunnel) is not run again, even after a restart.
    expect(await makeLoop().execute(ran[0]!)).toBeUndefined();
    expect(new CommandLedger(outbox).has(pauseId)).toBe(true);
    expect(ran).toHaveLength(2);

    const [beat] = await admin.heartbeats();
    expect(beat?.body.queue).toEqual({ depth: 3, oldestAgeSecs: 1.5, deadLetters: 0 });
  });

  it('beats on its interval, reports each beat, and stops', async () => {
    const { key } = await admin.createEnrollmentKey();
    const enrollment = await enroll(key);
    const beats: Array<{ ok: boolean }> = [];
    const loop = idleHeartbeat(enrollment, {
      intervalSecs: 0.05,
      onCommand: () => Promise.resolve({ ok: true as const }),
      onBeat: (beat) => beats.push(beat),
    });
    loop.start();
    while (beats.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await loop.stop();
    const sent = (await admin.counts()).heartbeats;
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(beats.every((b) => b.ok)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await admin.counts()).heartbeats).toBe(sent);
  });

  it('keeps beating while a command runs for long, and sends its ack as soon as it ends', async () => {
    const { key } = await admin.createEnrollmentKey();
    const enrollment = await enroll(key);
    let finish: (() => void) | undefined;
    const running = new Promise<void>((resolve) => (finish = resolve));
    const loop = idleHeartbeat(enrollment, {
      // Beats far apart: the ack must not wait for the next one.
      intervalSecs: 30,
      onCommand: async () => {
        await running;
        return { ok: true as const, result: { rows: 3002 } };
      },
    });
    const exportId = await admin.queueCommand(enrollment.agentId, 'run-export', { name: 'ledger' });
    loop.start();
    const beatsOf = async () => (await admin.heartbeats()).filter((h) => h.agentId === enrollment.agentId).length;
    await waitUntil('the first heartbeat', async () => (await beatsOf()) >= 1);
    // While the export runs, further beats still go out (a prompt one each time the status changes).
    loop.trigger();
    await waitUntil('a second heartbeat while the command runs', async () => (await beatsOf()) >= 2);
    loop.trigger();
    await waitUntil('a third heartbeat while the command runs', async () => (await beatsOf()) >= 3);
    expect(await admin.acks(enrollment.agentId)).toEqual([]);

    const finishedAt = Date.now();
    finish!();
    await waitUntil('the ack of the finished command', async () => (await admin.acks(enrollment.agentId)).some((a) => a.commandId === exportId));
    expect(Date.now() - finishedAt).toBeLessThan(10_000);
    const [ack] = await admin.acks(enrollment.agentId);
    expect(ack).toMatchObject({ commandId: exportId, ok: true });
    await loop.stop();
  });

  it('sends the ack of a command that ends while a heartbeat is out with the next beat, not an interval later', async () => {
    const { key } = await admin.createEnrollmentKey();
    const enrollment = await enroll(key);
    let finish: (() => void) | undefined;
    const running = new Promise<void>((resolve) => (finish = resolve));
    let started = false;
    let finishedAt = 0;
    const loop = idleHeartbeat(enrollment, {
      intervalSecs: 30,
      onCommand: async () => {
        started = true;
        await running;
        return { ok: true as const };
      },
      // Called as a beat is built, before its request goes out: the command ends while it is in flight.
      onSummary: () => {
        if (started && finishedAt === 0) {
          finishedAt = Date.now();
          finish!();
        }
      },
    });
    const commandId = await admin.queueCommand(enrollment.agentId, 'sync-now', { source: 'pos-db' });
    loop.start();
    await waitUntil('the command to start', () => Promise.resolve(started));
    loop.trigger();
    await waitUntil('the command to end during a beat', () => Promise.resolve(finishedAt > 0));
    await waitUntil('its ack', async () => (await admin.acks(enrollment.agentId)).some((a) => a.commandId === commandId));
    expect(Date.now() - finishedAt).toBeLessThan(10_000);
    await loop.stop();
  });
});

/** A heartbeat loop of an enrolled agent with nothing queued and no sources. */
function idleHeartbeat(
  enrollment: Enrollment,
  options: Pick<HeartbeatLoopOptions, 'intervalSecs' | 'onCommand' | 'onBeat'> & { onSummary?: () => void },
): HeartbeatLoop {
  const { onSummary, ...loopOptions } = options;
  return new HeartbeatLoop({
    ...loopOptions,
    client: clientFor(enrollment),
    clock: systemClock,
    outbox,
    logger: createSilentLogger(),
    buildSummary: () => (onSummary?.(), {
      version: VERSION,
      uptimeSecs: 1,
      sentAt: new Date().toISOString(),
      queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
      sources: [],
      channel: 'heartbeat' as const,
      alerts: [],
      auditHead: null,
    }),
    verifier: new CloudSignatureVerifier(enrollment.cloudKey!),
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
