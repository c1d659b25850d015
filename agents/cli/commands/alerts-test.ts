/**
 * `tya-agent alerts test`: one test notice through every configured alert channel, each with what it
 * came to. Through the running agent when there is one, so the test crosses the same network, proxy
 * and sandbox (a hardened service unit) as a real alert would; else from this command.
 */
import { userInfo } from 'node:os';
import { ALERT_CHANNEL_NAMES, type AlertChannel, type AlertChannelTest } from '../../api/notify-config.ts';
import { CliError } from '../cli-error.ts';
import { installationSecretStore } from '../../engine/installation-secret-store.ts';
import { testAlertChannels } from '../../engine/notify/channel-test.ts';
import { VaultSecretResolver } from '../../vault/index.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';
import { enterServiceContext } from '../service/service-context.ts';

export async function alertsTestCommand(options: { config?: string; service?: boolean; json?: boolean; channel?: string[] }, io: CliIo): Promise<ExitCodeValue> {
  const only = channelNames(options.channel);
  const loaded = resolveConfig(enterServiceContext(options, (line) => io.err(line)));
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null && running.client === null) throw busyError(loaded.dataDir, running);
  let results: AlertChannelTest[];
  let from: string;
  if (running?.client) {
    results = await running.client.testAlertChannels(only);
    from = 'Sent by the running agent, one test notice per channel:';
  } else {
    const secrets = new VaultSecretResolver(installationSecretStore(loaded.config, loaded.dataDir));
    results = await testAlertChannels({ agentName: loaded.config.agent.name, config: loaded.config.notify, secrets, now: Date.now, only });
    from =
      `The agent is not running, so this command sent them itself, as ${userInfo().username}; the service's user may not reach as far ` +
      '(firewall, proxy). One test notice per channel:';
  }
  if (options.json) {
    io.out(JSON.stringify(results, null, 2));
  } else if (results.length === 0) {
    io.err(`No alert channel is configured in ${loaded.file}, so nobody hears of a problem unless they look.`);
    io.err('Add "notify" with a webhook, e-mail, syslog or the event log (docs/alerts-and-metrics.md), then run this again.');
  } else {
    io.out(from);
    for (const result of results) io.out(resultLine(result));
  }
  return results.length > 0 && results.every((r) => r.ok) ? ExitCode.ok : ExitCode.incomplete;
}

function channelNames(names: string[] | undefined): AlertChannel['channel'][] | undefined {
  if (names === undefined) return undefined;
  const known: readonly string[] = ALERT_CHANNEL_NAMES;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new CliError(ExitCode.usage, 'alert_channel_unknown', `No such alert channel: ${unknown.join(', ')}.`, { hint: `Use ${ALERT_CHANNEL_NAMES.join(', ')}.` });
  }
  return names as AlertChannel['channel'][];
}

function resultLine(r: AlertChannelTest): string {
  const where = `${r.channel} (${r.target}; ${r.minSeverity === 'critical' ? 'critical alerts only' : 'all alerts'})`;
  if (!r.ok) return `  ✗ ${where}: ${r.error ?? 'failed'}`;
  if (r.unconfirmed) return `  ? ${where}: sent in ${r.ms} ms, but UDP does not confirm delivery: check that it arrived.`;
  return `  ✓ ${where}: accepted in ${r.ms} ms. Check that it arrived.`;
}
