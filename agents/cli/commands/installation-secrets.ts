/**
 * The keychain as the running agent sees it, for tools that run beside it (discover, doctor): the
 * agent files its secrets under a namespace derived from its data dir (engine/installation.ts).
 */
import { existsSync } from 'node:fs';
import { dataDirLayout } from '../../engine/data-dir.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import { installationNamespace } from '../../engine/installation.ts';
import { VaultSecretResolver, type SecretStore } from '../../vault/index.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';

/** Namespace used for the keychain round trip when this installation has no id yet. */
const PROBE_NAMESPACE = 'tya-doctor';

export interface InstallationSecrets {
  store: SecretStore;
  resolver: VaultSecretResolver;
  /** False before the agent's first start (no outbox, so no secrets stored yet). */
  installed: boolean;
}

export function installationSecrets(loaded: LoadedConfig | null, timeoutMs = 10_000): InstallationSecrets {
  const id = loaded === null ? undefined : installationId(loaded.dataDir);
  const store = installationSecretStore(loaded?.config, loaded?.dataDir ?? '.', { namespace: id ?? PROBE_NAMESPACE, timeoutMs });
  return { store, resolver: new VaultSecretResolver(store), installed: id !== undefined };
}

function installationId(dataDir: string): string | undefined {
  // Before the agent's first start there is no outbox and so nothing stored under this installation.
  return existsSync(dataDirLayout(dataDir).outbox) ? installationNamespace(dataDir) : undefined;
}
