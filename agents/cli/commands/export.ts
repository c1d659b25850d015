/**
 * `tya-agent export <name> [-o FILE]`: runs a configured export into a local file, beside the agent
 * or without it (the same reading as the cloud's `run-export`, minus the upload). Useful to check an
 * export's SQL and output before the cloud or a schedule runs it.
 */
import path from 'node:path';
import { ExportRunner, exportFileName } from '../../engine/exports/export-runner.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { installationSecrets } from './installation-secrets.ts';

export interface ExportOptions {
  config?: string;
  output?: string;
}

export async function exportCommand(name: string, options: ExportOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const runner = new ExportRunner({
    config: () => loaded.config,
    secrets: installationSecrets(loaded).resolver,
    workDir: loaded.dataDir,
    logger: createSilentLogger(),
    now: () => Date.now(),
    upload: () => null,
  });
  const exp = loaded.config.exports.find((e) => e.name === name);
  const target = path.resolve(options.output ?? (exp === undefined ? `${name}.csv` : exportFileName(exp, Date.now())));
  const started = performance.now();
  const written = await runner.toFile(name, target);
  io.out(
    `Wrote ${target}: ${written.rows} row${written.rows === 1 ? '' : 's'}, ${written.bytes} bytes, ${written.export.format.toUpperCase()}, ` +
      `sha256 ${written.sha256} (${((performance.now() - started) / 1000).toFixed(1)} s).`,
  );
  return ExitCode.ok;
}
