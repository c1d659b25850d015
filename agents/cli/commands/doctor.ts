/**
 * `tya-agent doctor [--config FILE]`: what an IT admin runs when something is wrong. Checks, in
 * plain words with ✓ (fine), ! (works, but look at it) and ✗ (broken, with what to do): Node, the
 * config, the data dir and free disk, the OS keychain, unixODBC's drivers and DSNs (on Windows the
 * registry's, with drivers that exist only in 32-bit form), every source's
 * "Test connection", the cloud (reachable, proxy variables), the clock against the cloud's, and
 * the alert channels (configured at all, their mail password stored).
 * Exit code 0 when nothing failed, 3 when something did. Changes nothing (the keychain round trip
 * removes its test secret).
 */
import type { LoadedConfig } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { CommandRunner } from '../../sources/odbc/discovery/index.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import type { Finding } from './doctor-checks.ts';
import { checkDataDir, checkDataDirPrivacy, checkKeychain, checkNode, checkOdbc } from './doctor-checks.ts';
import { checkOperatorGroup } from './doctor-control.ts';
import { checkAlertChannels } from './doctor-alerts.ts';
import { checkWindowsOdbc } from './doctor-odbc-windows.ts';
import { checkCloudConnection } from './doctor-network.ts';
import { checkSource } from './doctor-sources.ts';
import { installationSecrets } from './installation-secrets.ts';

export interface DoctorOptions {
  config?: string;
  /** How long the cloud may take to answer. */
  timeoutSecs?: number;
}

/** Side effects a test may replace (the CLI uses the real ones). */
export interface DoctorDependencies {
  runCommand?: CommandRunner;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

const MARKS: Record<Finding['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };
const SOURCE_CHECK_TIMEOUT_MS = 60_000;

export async function doctorCommand(options: DoctorOptions, io: CliIo, deps: DoctorDependencies = {}): Promise<ExitCodeValue> {
  const findings: Finding[] = [];
  const report = (finding: Finding) => {
    findings.push(finding);
    io.out(`${MARKS[finding.status]} ${finding.text}`);
    for (const line of finding.detail ?? []) io.out(`    ${line}`);
  };
  io.out(`TYA Sync Agent ${AGENT_VERSION}: doctor`);
  io.out('');
  report(checkNode());

  let loaded: LoadedConfig | null = null;
  try {
    loaded = resolveConfig(options.config);
    const sources = loaded.config.sources;
    report({
      status: 'ok',
      text: `The config ${loaded.file} is valid: ${sources.length === 0 ? 'no sources yet' : `${sources.length} source${sources.length === 1 ? '' : 's'} (${sources.map((s) => s.name).join(', ')})`}.`,
    });
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    report({ status: 'fail', text: error.message, detail: error.hint === undefined ? [] : [error.hint] });
  }

  if (loaded !== null) {
    report(checkDataDir(loaded.dataDir, loaded.config));
    report(checkDataDirPrivacy(loaded.dataDir));
    report(checkOperatorGroup(loaded.config));
  }
  else report({ status: 'skip', text: 'Data dir not checked (it is named in the config).' });

  const secrets = installationSecrets(loaded);
  report(await checkKeychain(secrets.store));

  const odbcSources = loaded?.config.sources.filter((s) => s.type === 'odbc') ?? [];
  // Windows has no unixODBC: its drivers and DSNs are read from the registry, 64- and 32-bit apart.
  const platform = deps.platform ?? process.platform;
  const odbc = platform === 'win32' ? await checkWindowsOdbc(odbcSources, platform, deps.runCommand) : await checkOdbc(odbcSources, deps.runCommand);
  for (const finding of odbc.findings) report(finding);
  if (platform !== 'win32') report((await checkWindowsOdbc(odbcSources, platform)).findings[0]!);

  if (loaded !== null) {
    for (const source of loaded.config.sources) {
      if (odbc.unusable.has(source.name)) {
        report({ status: 'skip', text: `Source "${source.name}": connection not tested, its ODBC driver or DSN is missing (see above).` });
      } else {
        report(await checkSource(source, secrets.resolver, SOURCE_CHECK_TIMEOUT_MS));
      }
    }
    for (const finding of await checkCloudConnection(loaded.config.cloud, secrets.store, (options.timeoutSecs ?? 5) * 1000, deps.env)) report(finding);
    for (const finding of await checkAlertChannels(loaded.config.notify, secrets.store, platform)) report(finding);
  } else {
    report({ status: 'skip', text: 'Sources, cloud, clock and alert channels not checked (they are named in the config).' });
  }

  const failed = findings.filter((f) => f.status === 'fail').length;
  const warnings = findings.filter((f) => f.status === 'warn').length;
  io.out('');
  if (failed === 0) {
    io.out(warnings === 0 ? 'All checks passed.' : `No check failed; ${warnings} warning${warnings === 1 ? '' : 's'} above (marked !).`);
    return ExitCode.ok;
  }
  io.out(
    `${failed} check${failed === 1 ? '' : 's'} failed (marked ✗)${warnings === 0 ? '' : `, ${warnings} warning${warnings === 1 ? '' : 's'} (marked !)`}: ` +
      'the lines under each say what to do.',
  );
  return ExitCode.incomplete;
}
