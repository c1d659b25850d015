import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgentNotRunningError } from '../../control/index.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { buildSupportBundle } from '../../engine/support/support-bundle.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { findRunningAgent } from '../running-agent.ts';
import { doctorReport } from './doctor-report.ts';
import { installationSecrets } from './installation-secrets.ts';
import { offlineStatus } from './status.ts';

export interface SupportBundleOptions {
  config?: string;
  /** Where the zip goes; default: the current folder, named after the agent and the time. */
  output?: string;
}

/**
 * `tya-agent support-bundle`: one zip for the vendor's support with the config, status, doctor's
 * findings, queue figures and the log's newest part, every secret scrubbed and no record data.
 * Works whether or not the agent runs (a stopped agent is often the reason to ask for one).
 */
export async function supportBundleCommand(options: SupportBundleOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const running = findRunningAgent(loaded.dataDir, { timeoutMs: 10_000 });
  let status = offlineStatus(loaded);
  if (running?.client) {
    status = await running.client.status().catch((error: unknown) => {
      if (error instanceof AgentNotRunningError) return status;
      throw error;
    });
  }
  const bundle = await buildSupportBundle({
    layout: dataDirLayout(loaded.dataDir),
    configFile: loaded.file,
    config: loaded.config,
    status,
    secrets: installationSecrets(loaded).store,
    doctorReport: await doctorReport(loaded.file),
    now: new Date(),
  });
  const target = path.resolve(options.output ?? bundle.fileName);
  writeFileSync(target, bundle.zip, { mode: 0o600 });
  io.out(`Wrote ${target} (${Math.ceil(bundle.zip.length / 1024)} KiB): ${bundle.files.join(', ')}.`);
  io.out('Secrets from the keychain were removed from every file, and no record data is included. Look inside before you send it.');
  return ExitCode.ok;
}
