/**
 * The Diagnostics screen: the same checks as `tya-agent doctor` (Node, data dir and disk, keychain,
 * every source's Test connection, the cloud and the clock, the alert channels) and the newest lines of the log.
 */
import { open, stat } from 'node:fs/promises';
import type { AgentConfig, DiagnosticsView, DoctorCheck } from '../../api/index.ts';
import type { Finding } from '../../cli/commands/doctor-checks.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import type { SecretStore } from '../../vault/index.ts';

const TAIL_BYTES = 256 * 1024;
const SOURCE_CHECK_MS = 20_000;

export async function diagnose(input: {
  config: AgentConfig;
  dataDir: string;
  logFile: string;
  secrets: SecretStore;
  resolver: SecretResolver;
  lines: number;
}): Promise<DiagnosticsView> {
  // Loaded on the first request: the checks reach every source plugin, the ODBC driver list and a
  // second HTTP client, about 20 MiB an idle agent would otherwise carry for a screen rarely opened.
  const [{ checkDataDir, checkKeychain, checkNode }, { checkCloudConnection }, { checkSource }, { checkAlertChannels }] = await Promise.all([
    import('../../cli/commands/doctor-checks.ts'),
    import('../../cli/commands/doctor-network.ts'),
    import('../../cli/commands/doctor-sources.ts'),
    import('../../cli/commands/doctor-alerts.ts'),
  ]);
  const findings: Finding[] = [checkNode(), checkDataDir(input.dataDir, input.config), await checkKeychain(input.secrets)];
  const sources = await Promise.all(input.config.sources.map((source) => checkSource(source, input.resolver, SOURCE_CHECK_MS)));
  findings.push(...sources);
  // Through the agent's own transport (proxy, trust, pins, client certificate), so TLS and proxy causes show here too.
  findings.push(...(await checkCloudConnection(input.config.cloud, input.secrets, Math.min(input.config.cloud.timeoutMs, 10_000))));
  findings.push(...(await checkAlertChannels(input.config.notify, input.secrets)));
  return { checks: findings.filter((f) => f.status !== 'skip').map(toCheck), logFile: input.logFile, logTail: await tail(input.logFile, input.lines) };
}

function toCheck(finding: Finding): DoctorCheck {
  const status = finding.status === 'skip' ? 'ok' : finding.status;
  return { name: finding.text, status, message: (finding.detail ?? []).join('\n') };
}

/** The last `lines` lines of a file, reading at most its last 256 KiB. */
export async function tail(file: string, lines: number): Promise<string[]> {
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size === 0) return [];
  const start = Math.max(0, size - TAIL_BYTES);
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const all = buffer.toString('utf8').split('\n').filter((line) => line !== '');
    // A cut first line is half a line: drop it unless it is all there is.
    if (start > 0 && all.length > 1) all.shift();
    return all.slice(-lines);
  } finally {
    await handle.close();
  }
}
