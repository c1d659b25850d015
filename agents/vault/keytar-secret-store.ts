import { randomBytes } from 'node:crypto';
import type { SecretStore } from './secret-store.ts';
import { KeychainUnavailableError } from './keychain-unavailable-error.ts';
import { redactSecrets, registerSecretValue } from './redaction.ts';

/** The part of keytar the vault uses; injectable so the error paths can be tested. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeytarSecretStoreOptions {
  /** The keychain service name every entry is filed under. */
  service?: string;
  /** Per installation, so two agents on one machine never share entries. */
  namespace: string;
  /** Only for tests of the error paths; the real keytar is loaded on first use. */
  keytar?: KeytarLike;
  /** A keychain that prompts or hangs counts as unavailable after this long. */
  timeoutMs?: number;
}

const NAMESPACE_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * SecretStore over the OS keychain (Secret Service on Linux, Credential Manager on Windows, Keychain
 * on macOS). Writes are proven by reading them back: on Linux a locked keyring makes keytar return
 * null instead of failing, so only a round trip shows that a secret was really kept.
 */
export class KeytarSecretStore implements SecretStore {
  readonly #service: string;
  readonly #namespace: string;
  readonly #timeoutMs: number;
  #keytar: Promise<KeytarLike> | undefined;

  constructor(options: KeytarSecretStoreOptions) {
    if (!NAMESPACE_PATTERN.test(options.namespace)) {
      throw new Error(`Keychain namespace "${options.namespace}" must be letters, digits, ".", "_" or "-".`);
    }
    this.#service = options.service ?? 'tya-sync-agent';
    this.#namespace = options.namespace;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#keytar = options.keytar === undefined ? undefined : Promise.resolve(options.keytar);
  }

  async get(ref: string): Promise<string | undefined> {
    const value = await this.#call(`read the secret "${ref}"`, (k) => k.getPassword(this.#service, this.#account(ref)));
    if (value === null) return undefined;
    registerSecretValue(value);
    return value;
  }

  async set(ref: string, value: string): Promise<void> {
    if (value.length === 0) throw new Error(`Refusing to store an empty secret under "${ref}".`);
    // Registered before the write, so even an error raised while storing it cannot leak it.
    registerSecretValue(value);
    await this.#roundTrip(ref, value, `store the secret "${ref}"`);
  }

  async delete(ref: string): Promise<boolean> {
    return this.#call(`delete the secret "${ref}"`, (k) => k.deletePassword(this.#service, this.#account(ref)));
  }

  async probe(): Promise<void> {
    const ref = `probe/${randomBytes(6).toString('hex')}`;
    const value = randomBytes(24).toString('base64url');
    try {
      await this.#roundTrip(ref, value, 'store a test secret');
    } finally {
      await this.#call('delete the test secret', (k) => k.deletePassword(this.#service, this.#account(ref))).catch(
        () => false,
      );
    }
  }

  async #roundTrip(ref: string, value: string, action: string): Promise<void> {
    const account = this.#account(ref);
    await this.#call(action, (k) => k.setPassword(this.#service, account, value), value);
    const readBack = await this.#call(action, (k) => k.getPassword(this.#service, account), value);
    if (readBack !== value) {
      throw new KeychainUnavailableError(
        `Could not ${action} in the OS keychain: it accepted the write but did not keep it ` +
          '(a locked keyring does this). No secret was stored.',
      );
    }
  }

  #account(ref: string): string {
    if (ref.length === 0) throw new Error('A secret reference must not be empty.');
    return `${this.#namespace}/${ref}`;
  }

  async #call<T>(action: string, operation: (keytar: KeytarLike) => Promise<T>, secret?: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the keychain did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#load().then(operation), timeout]);
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw error;
      const reason = scrub(error instanceof Error ? error.message : String(error), secret);
      const stored = secret === undefined ? '' : ' No secret was stored.';
      throw new KeychainUnavailableError(`Could not ${action} in the OS keychain: ${reason}.${stored}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #load(): Promise<KeytarLike> {
    this.#keytar ??= import('keytar').then(
      (module) => module.default,
      (error: unknown) => {
        // The native module links against libsecret; without it there is no keychain at all.
        this.#keytar = undefined;
        throw new Error(
          `the keychain library could not be loaded (${error instanceof Error ? error.message : String(error)})`,
        );
      },
    );
    return this.#keytar;
  }
}

function scrub(text: string, secret: string | undefined): string {
  const redacted = redactSecrets(text);
  return secret === undefined || secret.length === 0 ? redacted : redacted.replaceAll(secret, '[REDACTED]');
}
