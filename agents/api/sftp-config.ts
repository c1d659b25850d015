/**
 * `exchange.sftp`: SFTP servers the agent exchanges files with (banks). Pull fetches statements into a
 * folder that a folder source watches; push uploads files the cloud asks for (`push-file`).
 * Secrets are only secretRefs (keychain); the server's host key is pinned by fingerprint.
 */
import { z } from 'zod';

const SecretRef = z.object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, . _ / - only') }).strict();

/** `SHA256:` + unpadded base64, exactly as `ssh-keygen -lf <key>.pub` prints it. */
export const HostKeyFingerprintSchema = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint as `ssh-keygen -lf` prints it, e.g. "SHA256:abc…" (43 characters after SHA256:)');

const AfterImportSchema = z.union([z.literal('keep'), z.literal('delete'), z.string().regex(/^move:\/?.+/, '"move:<remote dir>"')]);

export const SftpPullSchema = z
  .object({
    remoteDir: z.string().min(1),
    /** A regular expression on the remote file name; only matching files are fetched. */
    pattern: z.string().min(1).default('.*'),
    /** The local folder a folder source watches; files arrive there atomically (temp name, fsync, rename). */
    intoFolder: z.string().min(1),
    intervalSecs: z.number().int().min(5).max(86_400).default(300),
    afterImport: AfterImportSchema.default('keep'),
  })
  .strict();

export const SftpPushSchema = z.object({ remoteDir: z.string().min(1) }).strict();

export const SftpServerSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(22),
    user: z.string().min(1),
    auth: z.enum(['password', 'key']),
    /** The password, or the private key (OpenSSH/PEM text), in the keychain. */
    secret: SecretRef,
    /** Pinned host key; without it the agent refuses to connect and names the server's fingerprint. */
    hostKey: HostKeyFingerprintSchema.optional(),
    pull: SftpPullSchema.optional(),
    push: SftpPushSchema.optional(),
  })
  .strict();

export type SftpServerConfig = z.infer<typeof SftpServerSchema>;
export type SftpPullConfig = z.infer<typeof SftpPullSchema>;

export const ExchangeConfigSchema = z.object({ sftp: z.array(SftpServerSchema).default([]) }).strict();
export type ExchangeConfig = z.infer<typeof ExchangeConfigSchema>;
