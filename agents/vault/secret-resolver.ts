import { AgentError } from '../pipeline/errors.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import type { SecretStore } from './secret-store.ts';

/** Turns a config's `{secretRef}` into its value, or explains how to store it. */
export class VaultSecretResolver implements SecretResolver {
  readonly #store: SecretStore;

  constructor(store: SecretStore) {
    this.#store = store;
  }

  async resolve(secretRef: string): Promise<string> {
    const value = await this.#store.get(secretRef);
    if (value !== undefined) return value;
    throw new AgentError('secret_missing', `No secret is stored in the OS keychain under "${secretRef}".`, {
      hint:
        `Store it with: tya-agent secret set ${secretRef}` +
        ' (if you already did, the keyring may be locked: unlock it and try again).',
    });
  }
}
