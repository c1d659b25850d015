import { describe, expect, it } from 'vitest';
import { AgentError } from '../../pipeline/errors.ts';
import { decryptBackup, encryptBackup, type BackupContents } from './backup-archive.ts';

const PASSPHRASE = 'a passphrase long enough';
const contents: BackupContents = {
  manifest: {
    createdAt: '2026-12-06T02:00:00.000Z',
    agentName: 'Shop',
    agentVersion: '1.0.0',
    configFileName: 'agent.json',
    configText: '// comments kept\n{"agent": {"name": "Shop"}}',
    auditMacKey: Buffer.alloc(32, 7).toString('base64'),
    outboxBytes: 4,
  },
  outbox: Buffer.from([1, 2, 3, 4]),
};

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof AgentError ? error.code : String(error);
  }
}

describe('backup archive', () => {
  it('round-trips the config text, outbox bytes and audit key, and hides them in the file', () => {
    const sealed = encryptBackup(contents, PASSPHRASE);
    expect(sealed.includes(Buffer.from('comments kept'))).toBe(false);
    expect(decryptBackup(sealed, PASSPHRASE)).toEqual(contents);
  });

  it('a wrong passphrase, a changed payload byte or a changed header is refused', () => {
    const sealed = encryptBackup(contents, PASSPHRASE);
    expect(codeOf(() => decryptBackup(sealed, 'another passphrase'))).toBe('backup_wrong_passphrase');
    const payload = Buffer.from(sealed);
    payload[payload.length - 20]! ^= 1;
    expect(codeOf(() => decryptBackup(payload, PASSPHRASE))).toBe('backup_wrong_passphrase');
    // The header (here: the salt's first character) is authenticated too.
    const header = Buffer.from(sealed);
    const saltAt = header.indexOf('"salt":"') + 8;
    header[saltAt] = header[saltAt] === 0x41 ? 0x42 : 0x41;
    expect(codeOf(() => decryptBackup(header, PASSPHRASE))).toBe('backup_wrong_passphrase');
    expect(codeOf(() => decryptBackup(Buffer.from('not a backup at all'), PASSPHRASE))).toBe('backup_unreadable');
    expect(codeOf(() => decryptBackup(sealed.subarray(0, 40), PASSPHRASE))).toBe('backup_unreadable');
  });
});
