/**
 * The backup file's format: what a move to a new server needs (the config file, the outbox, the
 * audit log's MAC key and, where the agent has one, its SFTP ledger), encrypted with a passphrase the
 * operator chooses. No cloud credentials and no database passwords: a lost backup then exposes
 * queued records, not access to the cloud or the ERP, and the new machine enrolls again anyway (the
 * contract's one-writer hand-over). Not writeback.db: see agents/cli/commands/backup.ts.
 *
 * Layout: MAGIC (8 bytes) | header length (u16) | header JSON | AES-256-GCM ciphertext | tag (16).
 * The header names the KDF (scrypt), its parameters, the salt and the IV; it is authenticated as
 * GCM's additional data, so a changed parameter fails like a changed byte of the payload.
 * Plaintext: manifest length (u32) | manifest JSON | the outbox's SQLite file | each state file the
 * manifest's `stateFiles` lists, in that order. Version 1 (no state files) is still written when there
 * are none, so an older agent can restore such a backup; version 2 makes an older agent refuse one
 * with state files ("from a newer agent version") instead of restoring it without them.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { z } from 'zod';
import { AgentError } from '../../pipeline/errors.ts';

const MAGIC = Buffer.from('TYABAK\r\n', 'latin1');
const OUTBOX_ONLY_VERSION = 1;
const WITH_STATE_FILES_VERSION = 2;
const TAG_BYTES = 16;
/** scrypt at N=2^15, r=8: about 32 MiB and a tenth of a second per guess. */
const SCRYPT = { logN: 15, r: 8, p: 1 } as const;

/**
 * Data-folder files a backup may carry beside the outbox, by their fixed names: a backup never says
 * where a file goes, so a forged or damaged one cannot write outside the data folder.
 */
export const CARRIED_STATE_FILES = ['sftp-exchange.sqlite'] as const;
export type CarriedStateFile = (typeof CARRIED_STATE_FILES)[number];

const headerSchema = z.object({
  version: z.union([z.literal(OUTBOX_ONLY_VERSION), z.literal(WITH_STATE_FILES_VERSION)]),
  kdf: z.object({ name: z.literal('scrypt'), logN: z.number().int().min(14).max(20), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(4), salt: z.string() }),
  cipher: z.object({ name: z.literal('aes-256-gcm'), iv: z.string() }),
});

const manifestSchema = z.object({
  createdAt: z.string(),
  agentName: z.string(),
  agentVersion: z.string(),
  /** The config file's name and text exactly as it was (comments kept). */
  configFileName: z.string(),
  configText: z.string(),
  /** The audit log's MAC key as the keychain holds it (base64), or null when it had none yet. */
  auditMacKey: z.string().nullable(),
  outboxBytes: z.number().int().nonnegative(),
  /** Set by encryptBackup from `BackupContents.stateFiles`; absent in backups made before them. */
  stateFiles: z.array(z.object({ name: z.enum(CARRIED_STATE_FILES), bytes: z.number().int().nonnegative() })).optional(),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export interface StateFileCopy {
  name: CarriedStateFile;
  content: Buffer;
}

export interface BackupContents {
  manifest: BackupManifest;
  outbox: Buffer;
  /** Absent when the backup has none (the agent never used them, or the backup predates them). */
  stateFiles?: StateFileCopy[];
}

export function encryptBackup(contents: BackupContents, passphrase: string): Buffer {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const stateFiles = contents.stateFiles ?? [];
  const header = Buffer.from(JSON.stringify({
    version: stateFiles.length === 0 ? OUTBOX_ONLY_VERSION : WITH_STATE_FILES_VERSION,
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64') },
  } satisfies z.infer<typeof headerSchema>));
  const prefix = Buffer.concat([MAGIC, u16(header.length), header]);
  const { stateFiles: _given, ...manifestFields } = contents.manifest;
  const manifest = Buffer.from(JSON.stringify(
    stateFiles.length === 0 ? manifestFields : { ...manifestFields, stateFiles: stateFiles.map((f) => ({ name: f.name, bytes: f.content.length })) },
  ));
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, SCRYPT), iv);
  cipher.setAAD(prefix);
  const parts = [u32(manifest.length), manifest, contents.outbox, ...stateFiles.map((f) => f.content)];
  const body = Buffer.concat([...parts.map((part) => cipher.update(part)), cipher.final()]);
  return Buffer.concat([prefix, body, cipher.getAuthTag()]);
}

/** Throws `backup_unreadable` for a file that is not a backup, and `backup_wrong_passphrase` when it does not decrypt. */
export function decryptBackup(file: Buffer, passphrase: string): BackupContents {
  if (file.length < MAGIC.length + 2 || !file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new AgentError('backup_unreadable', 'This file is not a TYA agent backup (its first bytes are wrong).', {
      hint: 'Give the file "tya-agent backup -o FILE" wrote.',
    });
  }
  const headerLength = file.readUInt16BE(MAGIC.length);
  const prefixLength = MAGIC.length + 2 + headerLength;
  const header = parseHeader(file.subarray(MAGIC.length + 2, prefixLength));
  if (file.length < prefixLength + TAG_BYTES) throw new AgentError('backup_unreadable', 'The backup file is cut short.', { hint: 'Copy the file again from where it was kept.' });
  const key = deriveKey(passphrase, Buffer.from(header.kdf.salt, 'base64'), header.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.cipher.iv, 'base64'));
  decipher.setAAD(file.subarray(0, prefixLength));
  decipher.setAuthTag(file.subarray(file.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(file.subarray(prefixLength, file.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new AgentError('backup_wrong_passphrase', 'The backup could not be decrypted: the passphrase is wrong, or the file was changed or damaged since it was written.', {
      hint: 'Type the passphrase chosen when the backup was made. If it is right, the file is damaged: use another copy.',
    });
  }
  const manifestLength = plain.readUInt32BE(0);
  const manifest = manifestSchema.parse(JSON.parse(plain.subarray(4, 4 + manifestLength).toString('utf8')));
  const sizes = [manifest.outboxBytes, ...(manifest.stateFiles ?? []).map((f) => f.bytes)];
  if (4 + manifestLength + sizes.reduce((sum, size) => sum + size, 0) !== plain.length) {
    throw new AgentError('backup_unreadable', 'The backup\'s outbox or state files are not the sizes its manifest names.', { hint: 'Use another copy of the backup.' });
  }
  let at = 4 + manifestLength + manifest.outboxBytes;
  const outbox = plain.subarray(4 + manifestLength, at);
  const stateFiles: StateFileCopy[] = [];
  for (const { name, bytes } of manifest.stateFiles ?? []) {
    stateFiles.push({ name, content: plain.subarray(at, at + bytes) });
    at += bytes;
  }
  return stateFiles.length === 0 ? { manifest, outbox } : { manifest, outbox, stateFiles };
}

function parseHeader(bytes: Buffer): z.infer<typeof headerSchema> {
  try {
    return headerSchema.parse(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw new AgentError('backup_unreadable', 'The backup file\'s header is damaged or from a newer agent version.', {
      hint: 'Restore with the agent version that made the backup or a newer one; otherwise use another copy.',
    });
  }
}

function deriveKey(passphrase: string, salt: Buffer, params: { logN: number; r: number; p: number }): Buffer {
  const N = 2 ** params.logN;
  return scryptSync(passphrase.normalize('NFC'), salt, 32, { N, r: params.r, p: params.p, maxmem: 256 * N * params.r });
}

function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
