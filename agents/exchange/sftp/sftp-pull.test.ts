import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SftpServerSchema, type SftpServerConfig } from '../../api/sftp-config.ts';
import { startSftpServer, type SftpTestServer } from '../../../test/helpers/sftp-server.ts';
import { openSftp, SftpHostKeyError } from './sftp-connection.ts';
import { SftpLedger } from './sftp-ledger.ts';
import { pullOnce, tempNameFor } from './sftp-puller.ts';

let server: SftpTestServer | null = null;
let work = '';

beforeAll(async () => {
  server = await startSftpServer();
  work = mkdtempSync(path.join(os.tmpdir(), 'tya-sftp-pull-'));
}, 30_000);
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function config(s: SftpTestServer, name: string, overrides: Partial<SftpServerConfig> = {}): SftpServerConfig {
  return SftpServerSchema.parse({
    name,
    host: '127.0.0.1',
    port: s.port,
    user: s.user,
    auth: 'key',
    secret: { secretRef: `sftp/${name}` },
    hostKey: s.hostKeyFingerprint,
    pull: { remoteDir: path.join(s.root, name), pattern: '\\.csv$', intoFolder: path.join(work, name, 'inbox') },
    ...overrides,
  });
}

function delivered(folder: string): string[] {
  return readdirSync(folder).filter((n) => !n.startsWith('.')).sort();
}

describe('SFTP pull against a real OpenSSH server', () => {
  it('fetches several files once, and never again after a restart even when the bank renames one', async (t) => {
    if (server === null) return t.skip();
    const cfg = config(server, 'bank-a');
    const remote = path.join(server.root, 'bank-a');
    rmSync(remote, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(remote, { recursive: true }));
    const contents = new Map<string, Buffer>();
    for (const n of ['st-1.csv', 'st-2.csv', 'st-3.csv']) {
      contents.set(n, Buffer.from(`date;amount\n2026-12-0${n[3]};${n[3]}00.00\n`));
      writeFileSync(path.join(remote, n), contents.get(n)!);
    }
    writeFileSync(path.join(remote, 'readme.txt'), 'not a statement');
    const ledgerDir = path.join(work, 'bank-a');
    let ledger = new SftpLedger((await import('node:fs/promises').then((fs) => fs.mkdir(ledgerDir, { recursive: true })), ledgerDir));
    let session = await openSftp(cfg, server.privateKey);
    const first = await pullOnce(cfg, session.sftp, ledger, { settleMs: 20 });
    expect(first.fetched.sort()).toEqual(['st-1.csv', 'st-2.csv', 'st-3.csv']);
    const inbox = cfg.pull!.intoFolder;
    expect(delivered(inbox)).toEqual(['st-1.csv', 'st-2.csv', 'st-3.csv']);
    for (const [n, c] of contents) expect(readFileSync(path.join(inbox, n))).toEqual(c);

    const second = await pullOnce(cfg, session.sftp, ledger, { settleMs: 20 });
    expect(second.fetched).toEqual([]);
    session.close();
    ledger.close();

    // The bank renames a statement and touches another; the agent restarts (new ledger handle, new session).
    renameSync(path.join(remote, 'st-2.csv'), path.join(remote, 'st-2-renamed.csv'));
    const touched = new Date(Date.now() + 60_000);
    const fs = await import('node:fs');
    fs.utimesSync(path.join(remote, 'st-3.csv'), touched, touched);
    ledger = new SftpLedger(ledgerDir);
    session = await openSftp(cfg, server.privateKey);
    const third = await pullOnce(cfg, session.sftp, ledger, { settleMs: 20 });
    session.close();
    expect(third.fetched).toEqual([]);
    expect(third.sameContent.sort()).toEqual(['st-2-renamed.csv', 'st-3.csv']);
    expect(delivered(inbox)).toEqual(['st-1.csv', 'st-2.csv', 'st-3.csv']);
    expect(ledger.fetched().filter((f) => f.localName !== '')).toHaveLength(3);
    ledger.close();
  }, 60_000);

  it('resumes a download dropped mid-way from the temp file offset, and the content is identical', async (t) => {
    if (server === null) return t.skip();
    const cfg = config(server, 'bank-b');
    const remote = path.join(server.root, 'bank-b');
    const fsp = await import('node:fs/promises');
    await fsp.mkdir(remote, { recursive: true });
    const size = 12 * 1024 * 1024;
    const body = randomBytes(size);
    writeFileSync(path.join(remote, 'big.csv'), body);
    const ledgerDir = path.join(work, 'bank-b');
    await fsp.mkdir(path.join(ledgerDir, 'inbox'), { recursive: true });
    const ledger = new SftpLedger(ledgerDir);
    const temp = path.join(cfg.pull!.intoFolder, tempNameFor('bank-b', path.join(remote, 'big.csv')));

    const session = await openSftp(cfg, server.privateKey);
    const pulling = pullOnce(cfg, session.sftp, ledger, { settleMs: 20 }).then(
      () => 'finished',
      (e: unknown) => `failed: ${String(e)}`,
    );
    // Drop the connection (sshd and its session killed) once part of the file has arrived.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      let got = 0;
      try { got = statSync(temp).size; } catch { /* not yet */ }
      if (got > 1024 * 1024) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await server.kill();
    const outcome = await pulling;
    session.close();
    expect(outcome).toMatch(/^failed/);
    const partial = statSync(temp).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(size);
    expect(delivered(cfg.pull!.intoFolder)).toEqual([]); // nothing partial under the final name

    await server.restart();
    const again = await openSftp(cfg, server.privateKey);
    const report = await pullOnce(cfg, again.sftp, ledger, { settleMs: 20 });
    again.close();
    console.log(`resume: ${partial} bytes kept, ${report.bytesTransferred} re-downloaded of ${size}`);
    expect(report.fetched).toEqual(['big.csv']);
    expect(report.bytesTransferred).toBe(size - partial);
    expect(readFileSync(path.join(cfg.pull!.intoFolder, 'big.csv')).equals(body)).toBe(true);
    ledger.close();
  }, 90_000);

  it('refuses a wrong or missing host key pin, naming the fingerprints', async (t) => {
    if (server === null) return t.skip();
    const wrongPin = `SHA256:${'A'.repeat(43)}`;
    const wrong = await openSftp(config(server, 'bank-c', { hostKey: wrongPin }), server.privateKey).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SftpHostKeyError);
    expect(String(wrong)).toContain(wrongPin);
    expect(String(wrong)).toContain(server.hostKeyFingerprint);
    expect(String(wrong)).toContain('hostKey');
    const missing = await openSftp(config(server, 'bank-c', { hostKey: undefined }), server.privateKey).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SftpHostKeyError);
    expect(String(missing)).toContain(server.hostKeyFingerprint);
    expect(String(missing)).not.toContain('BEGIN OPENSSH');
  }, 30_000);
});
