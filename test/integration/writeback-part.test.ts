/**
 * The write-back part as the agent runs it: started from the config, it fetches on the cloud's
 * `writeback-available` command, writes a folder target, reports to the sandbox, and records the
 * applied item in the real outbox's audit log.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../sandbox/sandbox-test-kit.ts';
import { enrolledClient, writebackConfig } from '../helpers/writeback-kit.ts';
import { EnrollmentKeys } from '../../agents/delivery/enrollment.ts';
import { ManualClock, openTestOutbox } from '../../agents/outbox/outbox-test-kit.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import type { SecretStore } from '../../agents/vault/index.ts';
import { startWritebackPart } from '../../agents/writeback/writeback-part.ts';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => t.cleanup());

it('applies an item when the cloud says writeback-available, and reports it', async () => {
  const { client, agentId, cloudKey } = await enrolledClient(t);
  const dataDir = mkdtempSync(join(tmpdir(), 'tya-wb-part-'));
  const folder = join(dataDir, 'import');
  const outbox = openTestOutbox(join(dataDir, 'outbox.db'), new ManualClock(Date.now()));
  outbox.setState(EnrollmentKeys.agentId, agentId);
  outbox.setState(EnrollmentKeys.clientId, 'c');
  outbox.setState(EnrollmentKeys.cloudUrl, t.sandbox.url);
  outbox.setState(EnrollmentKeys.enrolledAt, new Date().toISOString());
  outbox.setState(EnrollmentKeys.cloudKey, cloudKey);
  // A long poll interval: only the command can make this item arrive within the test.
  const config = writebackConfig('sqlite', 'Driver={SQLite3};Database=/nonexistent', [
    { name: 'gl', type: 'folder', path: folder, columns: { id: 'acc', name: 'name' }, policy: 'cloud-wins' },
  ]);
  config.writeback!.pollSecs = 3600;
  const part = await startWritebackPart({
    config: () => config,
    dataDir,
    outbox,
    secrets: { resolve: () => Promise.reject(new Error('no secrets here')) },
    secretStore: {} as SecretStore,
    logger: createSilentLogger(),
    clock: systemClock,
    client: () => client,
    agentId: () => agentId,
  });
  expect(part?.name).toBe('writeback');
  await new Promise((r) => setTimeout(r, 300));
  const item = await t.admin.createWriteback({ agentId, entity: 'store-7', target: 'gl', key: { id: '7' }, data: { id: '7', name: 'Rent' } });
  expect(part!.command!('sync-now', {})).toBeUndefined();
  await expect(part!.command!('writeback-available', {})).resolves.toEqual({ ok: true });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !(await t.admin.writebackResults(agentId)).some((r) => r.id === item.id)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await t.admin.writebackResults(agentId)).map((r) => [r.id, r.status])).toEqual([[item.id, 'applied']]);
  expect(existsSync(join(folder, `${item.id}.json`))).toBe(true);
  await part!.stop();
  await outbox.audit.settled();
  expect(outbox.audit.list({ limit: 100 }).some((e) => e.event === 'writeback-applied' && e.subject === item.id)).toBe(true);
  outbox.close();
  await client.close();
});
