import { describe, expect, it } from 'vitest';
import { SftpServerSchema } from '../../api/sftp-config.ts';

const base = { name: 'bank-a', host: 'sftp.bank.example', user: 'acme', auth: 'key', secret: { secretRef: 'sftp/bank-a' } };

describe('exchange.sftp config', () => {
  it('accepts a pinned server with pull defaults filled in', () => {
    const parsed = SftpServerSchema.parse({ ...base, hostKey: `SHA256:${'a'.repeat(43)}`, pull: { remoteDir: '/out', intoFolder: '/inbox' } });
    expect(parsed.port).toBe(22);
    expect(parsed.pull).toMatchObject({ pattern: '.*', intervalSecs: 300, afterImport: 'keep' });
  });

  it('refuses a fingerprint in another format, an inline password, and an unknown afterImport', () => {
    expect(SftpServerSchema.safeParse({ ...base, hostKey: 'ssh-ed25519 AAAA' }).success).toBe(false);
    expect(SftpServerSchema.safeParse({ ...base, password: 'hunter2' }).success).toBe(false);
    expect(SftpServerSchema.safeParse({ ...base, pull: { remoteDir: '/o', intoFolder: '/i', afterImport: 'archive' } }).success).toBe(false);
    expect(SftpServerSchema.safeParse({ ...base, pull: { remoteDir: '/o', intoFolder: '/i', afterImport: 'move:/done' } }).success).toBe(true);
  });
});
