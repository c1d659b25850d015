import type { Alert } from '../../api/index.ts';
import { Agent } from '../../engine/agent.ts';
import type { AcknowledgeResult } from '../../outbox/index.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';
import { offlineStatus } from './status.ts';

export interface AlertsOptions {
  config?: string;
  codes: string[];
  all?: boolean;
  json?: boolean;
}

/**
 * `tya-agent alerts` lists what needs a person, split into conditions (they last while their cause
 * does) and events (they stay until acknowledged); `tya-agent alerts ack CODE… | --all`
 * acknowledges events. Through the running agent when there is one, else on the outbox directly.
 */
export async function alertsCommand(action: 'list' | 'ack', options: AlertsOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null && running.client === null) throw busyError(loaded.dataDir, running);
  const client = running?.client ?? null;
  if (action === 'list') {
    const alerts = client !== null ? (await client.status()).alerts : offlineStatus(loaded).alerts;
    if (options.json) io.out(JSON.stringify(alerts, null, 2));
    else printAlerts(alerts, io);
    return alerts.length === 0 ? ExitCode.ok : ExitCode.incomplete;
  }
  if (!options.all && options.codes.length === 0) {
    throw new CliError(ExitCode.usage, 'alert_codes_missing', 'Name the events to acknowledge by code (see "tya-agent alerts"), or pass --all.');
  }
  const codes = options.all ? 'all' : options.codes;
  let result: AcknowledgeResult;
  if (client !== null) result = await client.acknowledgeAlerts(codes);
  else {
    const agent = Agent.open({ loaded, lockAs: 'alerts ack' });
    try {
      result = agent.outbox.acknowledgeAlerts(codes);
    } finally {
      await agent.close();
    }
  }
  if (options.json) io.out(JSON.stringify(result, null, 2));
  else {
    const n = result.acknowledged.length;
    io.out(`${n} event${n === 1 ? '' : 's'} acknowledged.`);
    for (const code of result.conditions) {
      io.err(`Not acknowledged: ${code} is a condition; it clears by itself once its cause is fixed ("tya-agent status" says what to do).`);
    }
    for (const code of result.unknown) io.err(`Not acknowledged: no alert ${code} is raised (already acknowledged or cleared?).`);
  }
  return result.conditions.length + result.unknown.length === 0 ? ExitCode.ok : ExitCode.incomplete;
}

function printAlerts(alerts: Alert[], io: CliIo): void {
  if (alerts.length === 0) {
    io.out('Nothing needs attention: no conditions, no unacknowledged events.');
    return;
  }
  for (const [kind, title] of [
    ['condition', 'Conditions (clear by themselves once the cause is fixed; cannot be acknowledged):'],
    ['event', 'Events (acknowledge with "tya-agent alerts ack CODE…" or "--all"):'],
  ] as const) {
    const list = alerts.filter((a) => (a.kind ?? 'condition') === kind);
    if (list.length === 0) continue;
    io.out(title);
    for (const alert of list) io.out(`  ${alert.code}  (${alert.severity}, since ${alert.since})\n      ${alert.message}`);
  }
}
