/**
 * A corrupt outbox is moved aside and the agent starts with a fresh one (DESIGN.md §4.6). It must not
 * lose its identity with it: the keychain namespace comes from the data dir, and the enrollment ids
 * are kept beside the secrets, so the agent keeps sending without a new enrollment key.
 */
import { mkdtempSync, openSync, rmSync, writeSync, closeSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../sandbox/server.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { Agent } from '../../agents/engine/agent.ts';
import { parseConfigText } from '../../agents/engine/load-config.ts';
import { enrollAgent } from '../../agents/delivery/index.ts';
import { SecretRefs } from '../../agents/vault/index.ts';
import { waitFor } from '../helpers/agent-process.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('enrollment after a corrupt outbox', () => {
  it('is restored from the keychain: same agent id, heartbeats keep flowing, no new key needed', async () => {
    const sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'cloud.db') });
    const admin = new SandboxAdmin(sandbox.url);
    const loaded = parseConfigText(
      JSON.stringify({ agent: { name: 'restore', dataDir: 'data' }, cloud: { url: sandbox.url, entity: 'e', heartbeatIntervalSecs: 1 } }),
      path.join(dir, 'agent.json'),
    );
    const first = Agent.open({ loaded });
    const { key } = await admin.createEnrollmentKey({ entities: ['e'] });
    const enrollment = await enrollAgent({ url: sandbox.url, enrollmentKey: key, name: 'restore', hostname: 'h', version: '0.1.0', secrets: first.secretStore, outbox: first.outbox });
    first.outbox.close();

    // Damage the outbox file in the middle of its first pages.
    const file = path.join(dir, 'data', 'outbox.db');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.min(8192, statSync(file).size - 4096));
    closeSync(fd);

    const agent = await Agent.start({ loaded, controlServer: false });
    try {
      const status = agent.status();
      expect(status.alerts.map((a) => a.code)).toContain('outbox_corrupt');
      expect(status.enrollment).toMatchObject({ enrolled: true, agentId: enrollment.agentId });
      const before = (await admin.counts()).heartbeats;
      await waitFor('a heartbeat from the restored agent', async () => (await admin.counts()).heartbeats > before, { timeoutMs: 10_000 });
      expect((await admin.counts()).agents).toBe(1);
    } finally {
      for (const ref of Object.values(SecretRefs)) await agent.secretStore.delete(ref);
      await agent.stop();
      await sandbox.close();
    }
  });
});
