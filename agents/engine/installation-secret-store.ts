/**
 * The vault of one installation, as its config chooses (api/vault-config.ts): the OS keychain
 * namespaced by the data dir, or the service's encrypted file in the data dir. Every command and the
 * agent itself get their store here, so `secret set` stores where the running agent reads.
 */
import path from 'node:path';
import type { AgentConfig } from '../api/index.ts';
import { KeytarSecretStore, ServiceFileSecretStore, type SecretStore } from '../vault/index.ts';
import { installationNamespace } from './installation.ts';

export interface ServiceVaultPaths {
  file: string;
  keyFile: string;
}

/** Where the service-file vault of a data dir lives. */
export function serviceVaultPaths(dataDir: string, keyFile?: string): ServiceVaultPaths {
  return {
    file: path.join(dataDir, 'vault', 'secrets.enc'),
    keyFile: path.resolve(dataDir, keyFile ?? path.join('vault', 'vault.key')),
  };
}

export function installationSecretStore(
  config: Pick<AgentConfig, 'vault'> | undefined,
  dataDir: string,
  options: { namespace?: string; timeoutMs?: number } = {},
): SecretStore {
  if (config?.vault?.backend === 'service-file') return new ServiceFileSecretStore(serviceVaultPaths(dataDir, config.vault.keyFile));
  return new KeytarSecretStore({ namespace: options.namespace ?? installationNamespace(dataDir), timeoutMs: options.timeoutMs });
}

/** Where secrets go, in words for messages: "the OS keychain" or "the service vault (…)". */
export function describeVault(config: Pick<AgentConfig, 'vault'>, dataDir: string): string {
  if (config.vault?.backend !== 'service-file') return 'the OS keychain';
  return `the service vault (${serviceVaultPaths(dataDir, config.vault.keyFile).file})`;
}
