import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SftpServerSchema } from '../../api/sftp-config.ts';
import type { AgentConfig } from '../../api/index.ts';
import type { AgentPartContext } from '../../engine/agent-part.ts';
import { harness, runDeliveryCleanups, type Harness } from '../../../test/helpers/delivery-harness.ts';
import { startSftpServer, type SftpTestServer } from '../../../test/helpers/sftp-server.ts';
import { SftpExchangePart } from './sftp-part.ts';

let server: SftpTestServer | null = null;
let h: Harness;
let dataDir = '';

beforeAll(async () => {
  server = await startSftpServer();
  h = await harness();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tya-sftp-push-'));
}, 60_000);
afterAll(async () => {
  await server?.close();
  await runDeliveryCleanups();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('push-file to a real OpenSSH server, fetched from the sandbox', () => {
  it('arrives whole under its final name (never partial), once per (target, sha256)', async (t) => {
    if (server === null) return t.skip();
    const remoteDir = path.join(server.root, 'payments');
    mkdirSync(remoteDir, { recursive: true });
    const sftp = SftpServerSchema.parse({
      name: 'bank-pay',
      host: '127.0.0.1',
      port: server.port,
      user: server.user,
      auth: 'key',
      secret: { secretRef: 'sftp/bank-pay' },
      hostKey: server.hostKeyFingerprint,
      push: { remoteDir },
    });
    const client = h.client();
    const bytes = randomBytes(3 * 1024 * 1024);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await client.putFile(sha256, bytes, { fileName: 'pain001.xml', source: 'payments', contentType: 'application/xml', entity: 'store-7' });
    const privateKey = server.privateKey;
    const logs: string[] = [];
    const ctx = {
      config: () => ({ cloud: { entity: 'store-7' }, exchange: { sftp: [sftp] } }) as unknown as AgentConfig,
      dataDir,
      outbox: h.outbox,
      secrets: { resolve: (ref: string) => (ref === 'sftp/bank-pay' ? Promise.resolve(privateKey) : Promise.reject(new Error(ref))) },
      logger: { info: (_o: unknown, m: string) => logs.push(m), warn: (_o: unknown, m: string) => logs.push(m) },
      client: () => client,
      agentId: () => h.enrollment.agentId,
    } as unknown as AgentPartContext;
    const part = new SftpExchangePart(ctx);

    // Watch the final name while the upload runs: it must never exist with fewer bytes than the file.
    const finalPath = path.join(remoteDir, 'pain001.xml');
    const partialSizes: number[] = [];
    let watching = true;
    let sawTemp = false; // proves the watcher ran while bytes were arriving
    const watcher = (async () => {
      while (watching) {
        if (readdirSync(remoteDir).some((n) => n.endsWith('.partial'))) sawTemp = true;
        if (existsSync(finalPath)) {
          const size = statSync(finalPath).size;
          if (size !== bytes.length) partialSizes.push(size);
        }
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const result = await part.command('push-file', { target: 'bank-pay', sha256, name: 'pain001.xml' });
    watching = false;
    await watcher;
    expect(result).toEqual({ ok: true, result: { remotePath: finalPath, already: false } });
    expect(sawTemp).toBe(true);
    expect(partialSizes).toEqual([]);
    expect(readFileSync(finalPath).equals(bytes)).toBe(true);
    expect(readdirSync(remoteDir)).toEqual(['pain001.xml']); // no temp file left behind

    // The same command again (a redelivered command, or after a restart): nothing sent twice.
    const mtime = statSync(finalPath).mtimeMs;
    await part.stop();
    const again = new SftpExchangePart(ctx);
    expect(await again.command('push-file', { target: 'bank-pay', sha256, name: 'pain001.xml' })).toEqual({
      ok: true,
      result: { remotePath: finalPath, already: true },
    });
    expect(statSync(finalPath).mtimeMs).toBe(mtime);

    const unknown = await again.command('push-file', { target: 'bank-pay', sha256: 'a'.repeat(64), name: 'x.xml' });
    expect(unknown?.ok).toBe(false);
    expect(JSON.stringify(unknown)).toContain('push_failed');
    await again.stop();
  }, 60_000);
});
