import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfigFile, type LoadedConfig } from '../engine/load-config.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';

export const DEFAULT_CONFIG_FILES = ['tya-agent.json', '/etc/tya-agent/agent.json'];

export const CONFIG_OPTION_HELP =
  'config file (JSON with comments); default: $TYA_CONFIG, ./tya-agent.json, then /etc/tya-agent/agent.json';

/** Finds and loads the config: --config, then $TYA_CONFIG, then the default places. */
export function resolveConfig(option: string | undefined): LoadedConfig {
  return loadConfigFile(findConfigFile(option));
}

/** Which config file a command uses: --config, then $TYA_CONFIG, then the default places. */
export function findConfigFile(option: string | undefined): string {
  const candidates = option ? [option] : process.env.TYA_CONFIG ? [process.env.TYA_CONFIG] : DEFAULT_CONFIG_FILES;
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new CliError(ExitCode.config, 'config_missing', `No config file found (looked for ${candidates.map((c) => path.resolve(c)).join(', ')}).`, {
      hint: 'Pass --config FILE or set TYA_CONFIG. The README section "Configuration" has a complete example.',
    });
  }
  return found;
}
