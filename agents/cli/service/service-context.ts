/**
 * `enroll --service` and `secret set --service`: an administrator stores into the service's vault,
 * not their own keychain. As root the command gives up root for the owner of the service's data
 * dir before touching anything, so every file it creates (vault, key, outbox) belongs to the service
 * user, as if the service had written it.
 */
import { existsSync, statSync } from 'node:fs';
import { loadConfigFile } from '../../engine/load-config.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { resolveConfig } from '../config-option.ts';
import { serviceLayout } from './service-layout.ts';

export interface ServiceContextOptions {
  service?: boolean;
  config?: string;
}

/** The config file the command should use; switches to the service user when that is needed. */
export function enterServiceContext(options: ServiceContextOptions, say: (line: string) => void, root?: string): string | undefined {
  let configFile = options.config;
  if (options.service && configFile === undefined) {
    configFile = serviceLayout({ root }).liveConfig;
    if (!existsSync(configFile)) {
      throw new CliError(ExitCode.config, 'service_not_installed', `The service is not installed here: ${configFile} does not exist.`, {
        hint: 'Install it first with "sudo tya-agent service install --config FILE" (docs/service.md).',
      });
    }
  }
  const loaded = configFile === undefined ? resolveConfig(undefined) : loadConfigFile(configFile);
  const serviceVault = loaded.config.vault?.backend === 'service-file';
  if (options.service && !serviceVault) {
    throw new CliError(ExitCode.config, 'service_vault_not_chosen', `${loaded.file} does not choose the service vault, so --service has nowhere to store.`, {
      hint: 'Add "vault": {"backend": "service-file"} to that config (docs/service.md), or leave out --service to use your keychain.',
    });
  }
  if (!options.service && !serviceVault) return configFile;
  if (!existsSync(loaded.dataDir)) {
    throw new CliError(ExitCode.config, 'service_data_dir_missing', `The service's data dir ${loaded.dataDir} does not exist.`, {
      hint: 'Run "sudo tya-agent service install" first: it creates the data dir owned by the service user.',
    });
  }
  const owner = statSync(loaded.dataDir);
  const uid = process.getuid?.();
  if (uid === undefined || owner.uid === uid) return loaded.file;
  if (uid !== 0) {
    throw new CliError(ExitCode.usage, 'service_user_needed', `The vault in ${loaded.dataDir} belongs to uid ${owner.uid}; you are uid ${uid}.`, {
      hint: 'Run the command as root with --service (sudo tya-agent … --service): it stores as the service user.',
    });
  }
  if (owner.uid === 0) return loaded.file;
  // Group first: once the uid is dropped, changing groups is no longer allowed.
  process.setgroups?.([owner.gid]);
  process.setgid?.(owner.gid);
  process.setuid?.(owner.uid);
  say(`Working as the service user (uid ${owner.uid}), so the secrets go to its vault in ${loaded.dataDir}.`);
  return loaded.file;
}
