import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, closeSync, writeSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import { AgentError } from '../pipeline/errors.ts';
import type { SecretStore } from './secret-store.ts';
import { registerSecretValue } from './redaction.ts';
import { withVaultLock } from './vault-lock.ts';

export interface ServiceFileSecretStoreOptions {
  /** The encrypted secrets (AES-256-GCM, one JSON document). */
  file: string;
  /** The 256-bit key, base64, in a file of its own readable by the service user only (0600). */
  keyFile: string;
}

const FORMAT: string = 'tya-service-vault/1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

interface SealedVault {
  format: string;
  /** First 16 hex digits of SHA-256 of the key: tells "another key" apart from "altered file". */
  keyId: string;
  iv: string;
  tag: string;
  data: string;
}

/**
 * SecretStore for a headless service (no desktop keychain): every secret in one file encrypted with
 * AES-256-GCM, the key in a separate 0600 file. Both are created by the process that first stores a
 * secret, so an administrator stores into it as the service user (`--service`), never as root.
 * Nothing is cached: each call reads the file, so the agent sees what `secret set` just stored.
 */
export class ServiceFileSecretStore implements SecretStore {
  readonly #file: string;
  readonly #keyFile: string;
  /** Writes of this process one after another; vault-lock.ts does the same across processes. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ServiceFileSecretStoreOptions) {
    this.#file = path.resolve(options.file);
    this.#keyFile = path.resolve(options.keyFile);
  }

  get file(): string {
    return this.#file;
  }

  get keyFile(): string {
    return this.#keyFile;
  }

  get(ref: string): Promise<string | undefined> {
    checkRef(ref);
    return Promise.resolve().then(() => {
      const value = this.#read()[ref];
      if (value !== undefined) registerSecretValue(value);
      return value;
    });
  }

  set(ref: string, value: string): Promise<void> {
    checkRef(ref);
    if (value.length === 0) return Promise.reject(new Error(`Refusing to store an empty secret under "${ref}".`));
    registerSecretValue(value);
    return this.#update((entries) => {
      entries[ref] = value;
      return true;
    }).then(() => {
      if (this.#read()[ref] !== value) {
        throw new AgentError('vault_write_failed', `The secret "${ref}" was written to ${this.#file} but did not read back. No secret was stored.`, {
          hint: 'Check the disk and that no other program rewrites the vault file, then try again.',
        });
      }
    });
  }

  delete(ref: string): Promise<boolean> {
    checkRef(ref);
    return this.#update((entries) => {
      if (!(ref in entries)) return false;
      delete entries[ref];
      return true;
    });
  }

  async probe(): Promise<void> {
    const ref = `probe/${randomBytes(6).toString('hex')}`;
    try {
      await this.set(ref, randomBytes(24).toString('base64url'));
    } finally {
      await this.delete(ref).catch(() => false);
    }
  }

  #update(change: (entries: Record<string, string>) => boolean): Promise<boolean> {
    // In order within this process (the queue), one process at a time across processes (the lock).
    const run = this.#queue.then(() =>
      withVaultLock(
        this.#file,
        () => {
          const entries = this.#read();
          const changed = change(entries);
          if (changed) this.#write(entries);
          return changed;
        },
        { prepareFile: ownedLikeItsFolder },
      ),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #read(): Record<string, string> {
    const text = readIfExists(this.#file);
    if (text === undefined) return {};
    const key = this.#key(false);
    if (key === undefined) {
      throw new AgentError('vault_key_missing', `The vault ${this.#file} exists but its key file ${this.#keyFile} does not. Nothing was read.`, {
        hint: 'Put the key file back (from where it was kept), or delete the vault file and store the secrets again (tya-agent enroll, tya-agent secret set --service).',
      });
    }
    return open(text, key, this.#file, this.#keyFile);
  }

  #write(entries: Record<string, string>): void {
    const key = this.#key(true)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(FORMAT));
    const data = Buffer.concat([cipher.update(JSON.stringify(entries), 'utf8'), cipher.final()]);
    const sealed: SealedVault = { format: FORMAT, keyId: keyId(key), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    writePrivateAtomically(this.#file, `${JSON.stringify(sealed)}\n`);
  }

  /** The key; with `create`, a new one is made when none exists (the first secret stored). */
  #key(create: boolean): Buffer | undefined {
    const text = readIfExists(this.#keyFile);
    if (text === undefined) {
      if (!create) return undefined;
      const key = randomBytes(KEY_BYTES);
      mkdirSync(path.dirname(this.#keyFile), { recursive: true, mode: 0o700 });
      // 'wx': two processes creating the first key at once must not end up with two keys.
      try {
        writeFileSync(this.#keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
        ownedLikeItsFolder(this.#keyFile);
        return key;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        return this.#key(false);
      }
    }
    if (process.platform !== 'win32') {
      const mode = statSync(this.#keyFile).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        throw new AgentError('vault_key_exposed', `The vault key ${this.#keyFile} can be read by other users (mode ${mode.toString(8)}); it was not used.`, {
          hint: `Make it readable by the service user only: chmod 600 ${this.#keyFile} (and chown it to that user), then try again.`,
        });
      }
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new AgentError('vault_key_invalid', `The vault key ${this.#keyFile} is not a 256-bit key in base64 (it holds ${key.length} bytes).`, {
        hint: 'Put the original key file back; a vault cannot be opened with any other key.',
      });
    }
    return key;
  }
}

function open(text: string, key: Buffer, file: string, keyFile: string): Record<string, string> {
  let sealed: SealedVault;
  try {
    sealed = JSON.parse(text) as SealedVault;
  } catch {
    sealed = { format: 'unknown' } as unknown as SealedVault;
  }
  if (sealed.format !== FORMAT) {
    throw new AgentError('vault_unreadable', `${file} is not a vault file of this agent (expected format ${FORMAT}).`, {
      hint: 'Restore the file from where it was kept, or delete it and store the secrets again.',
    });
  }
  if (sealed.keyId !== keyId(key)) {
    throw new AgentError('vault_key_mismatch', `The vault ${file} was written with another key than the one in ${keyFile}. Nothing was read.`, {
      hint: 'Put back the key file that belongs to this vault. If it is lost, delete the vault file and store the secrets again (enroll anew).',
    });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(FORMAT));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as Record<string, string>;
  } catch (error) {
    throw new AgentError('vault_tampered', `The vault ${file} failed its integrity check with the key in ${keyFile}: it was altered or damaged. Nothing was read.`, {
      hint: 'Restore the vault file from where it was kept, or delete it and store the secrets again (enroll anew).',
      cause: error,
    });
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function checkRef(ref: string): void {
  if (ref.length === 0) throw new Error('A secret reference must not be empty.');
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentError('vault_unreadable', `Cannot read ${file}: ${(error as Error).message}.`, {
      hint: 'Run the command as the service user (as root add --service), or check the file belongs to that user.',
      cause: error,
    });
  }
}

/** Written beside, flushed, then renamed: a crash leaves the old vault or the new one, never half of one. */
function writePrivateAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  ownedLikeItsFolder(temporary);
  renameSync(temporary, file);
}

/**
 * Root writing into the service's vault (doctor's probe, a restore) must not leave a file the
 * service user cannot read: a file root creates takes the owner of its folder.
 */
function ownedLikeItsFolder(file: string): void {
  if (process.getuid?.() !== 0) return;
  const folder = statSync(path.dirname(file));
  if (folder.uid !== 0) chownSync(file, folder.uid, folder.gid);
}
