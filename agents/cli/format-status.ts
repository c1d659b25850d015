import type { AgentStatus } from '../api/index.ts';
import { formatSchedule } from './format-schedule.ts';

/**
 * `tya-agent status` in plain words for an IT admin: is it running, is it enrolled, can it reach the
 * cloud, how much is waiting and since when, what each source last did, and what needs a person.
 */
/** `alertChannels`: the channels the config names (undefined: not known here, no line). */
export function formatStatus(status: AgentStatus, nowMs: number, alertChannels?: readonly string[]): string {
  const lines: string[] = [];
  const ago = (iso: string | null) => (iso === null ? 'never' : `${formatDuration((nowMs - Date.parse(iso)) / 1000)} ago`);
  lines.push(`TYA Sync Agent "${status.agent.name}" ${status.agent.version}`);
  lines.push(
    `  Agent:     ${
      status.agent.running
        ? `running (pid ${status.agent.pid ?? '?'}), started ${ago(status.agent.startedAt)}`
        : 'NOT RUNNING (figures below read from the queue on disk)'
    }`,
  );
  lines.push(`  Enrolled:  ${formatEnrollment(status)}`);
  lines.push(`  Cloud:     ${formatCloud(status, ago)}`);
  const commands = formatCommandChannel(status, ago);
  if (commands !== undefined) lines.push(`  Commands:  ${commands}`);
  if (alertChannels !== undefined) {
    lines.push(
      `  Alerts to: ${alertChannels.length > 0 ? `${alertChannels.join(', ')} ("tya-agent alerts test" sends a test)` : 'nowhere: no alert channel is configured, so a problem reaches only whoever looks (docs/alerts-and-metrics.md)'}`,
    );
  }
  const q = status.queue;
  lines.push(
    `  Queue:     ${q.depth} change${q.depth === 1 ? '' : 's'} waiting${q.urgentDepth > 0 ? ` (${q.urgentDepth} urgent)` : ''}` +
      `${q.oldestAgeSecs === null ? '' : `, oldest ${formatDuration(q.oldestAgeSecs)} old`}; ${q.delivered} delivered; ` +
      `${formatBytes(q.bytes)} of ${formatBytes(q.maxBytes)} used`,
  );
  lines.push(
    `  Attention: ${q.deadLetters === 0 ? 'no failed changes' : `${q.deadLetters} failed change${q.deadLetters === 1 ? '' : 's'} — see "tya-agent dlq list"`}`,
  );
  if (q.capturePaused) lines.push('  Capture:   PAUSED because the queue is full; nothing is dropped');
  if (q.streams !== undefined && q.streams.length > 0) {
    lines.push('  Delivered per stream (as the cloud counts: accepted + duplicates + stale):');
    for (const s of q.streams) lines.push(`    ${`${s.source}/${s.stream}`.padEnd(32)} ${s.delivered}`);
  }
  lines.push('  Sources:');
  if (status.sources.length === 0) lines.push('    (none configured)');
  for (const source of status.sources) {
    const state = source.state === 'ok' ? 'ok' : source.state.toUpperCase();
    const detail =
      source.state === 'error' && source.lastError
        ? `since ${ago(source.lastError.at)}: ${source.lastError.message}`
        : `last success ${ago(source.lastSuccessAt)}, ${source.recordsCaptured} changes read`;
    lines.push(`    ${source.name.padEnd(16)} ${state.padEnd(8)} ${detail}`);
    if (source.schedule !== undefined) lines.push(`    ${''.padEnd(16)} ${''.padEnd(8)} ${formatSchedule(source.schedule)}`);
    const notice = source.notices?.[0];
    if (notice !== undefined) lines.push(`    ${''.padEnd(16)} ${''.padEnd(8)} ${ago(notice.at)}: ${notice.message}`);
    if (source.state !== 'error' && source.lastError) {
      lines.push(`    ${''.padEnd(16)} ${''.padEnd(8)} last error ${ago(source.lastError.at)}: ${source.lastError.message}`);
    }
  }
  const conditions = status.alerts.filter((a) => a.kind !== 'event');
  const events = status.alerts.filter((a) => a.kind === 'event');
  if (conditions.length > 0) {
    lines.push('  Conditions (they clear by themselves once the cause is fixed):');
    for (const alert of conditions) lines.push(`    ${alert.severity === 'critical' ? '!!' : '! '} ${alert.message}`);
  }
  if (events.length > 0) {
    lines.push('  Events (acknowledge with "tya-agent alerts ack CODE…" or "--all" once you have looked):');
    for (const alert of events) {
      lines.push(`    ${alert.severity === 'critical' ? '!!' : '! '} ${alert.message}`);
      lines.push(`       code ${alert.code}, since ${ago(alert.since)}`);
    }
  }
  return lines.join('\n');
}

function formatEnrollment(status: AgentStatus): string {
  const { enrollment } = status;
  const as = enrollment.agentId === null ? '' : ` (was ${enrollment.agentId} with ${enrollment.cloudUrl})`;
  if (enrollment.revoked) return `REVOKED by the cloud${as}: nothing is sent; enroll again with a new key ("tya-agent enroll")`;
  if (!enrollment.enrolled) return 'no — run "tya-agent enroll --url URL --key -" with the key on standard input';
  return `yes, as ${enrollment.agentId} with ${enrollment.cloudUrl}`;
}

function formatCloud(status: AgentStatus, ago: (iso: string | null) => string): string {
  const { cloud } = status;
  if (!status.agent.running) return 'unknown (the agent is not running)';
  if (cloud.halted) return `DELIVERY HALTED (${cloud.halted.kind}): ${cloud.halted.message}; the queue is kept`;
  if (cloud.reachable === null) return 'not contacted yet';
  const last = cloud.lastError ? `; last error ${ago(cloud.lastError.at)}: ${cloud.lastError.message}` : '';
  return cloud.reachable ? `reachable, last contact ${ago(cloud.lastContactAt)}${last}` : `NOT REACHABLE${last}`;
}

/** Which channel brings the cloud's commands, and why not the tunnel when it is not. */
function formatCommandChannel(status: AgentStatus, ago: (iso: string | null) => string): string | undefined {
  const { cloud } = status;
  if (!status.agent.running || !status.enrollment.enrolled || cloud.commandChannel === undefined) return undefined;
  const since = cloud.commandChannelSince ? ` since ${ago(cloud.commandChannelSince)}` : '';
  if (cloud.commandChannel === 'websocket') return `by WebSocket tunnel (within a second)${since}`;
  const why = cloud.tunnelError ? `; tunnel: ${cloud.tunnelError.message}` : '';
  return `by heartbeat (every heartbeat interval)${since}${why}`;
}

/**
 * True when a person should look (exit code 3 for scripts): while a condition holds (not enrolled,
 * revoked, halted, unreachable, queue full, a source failing) or an event is not acknowledged.
 * Acknowledging every event and fixing every cause is what turns it back to 0.
 */
export function needsAttention(status: AgentStatus): boolean {
  return (
    !status.enrollment.enrolled ||
    status.enrollment.revoked ||
    status.cloud.reachable === false ||
    status.queue.deadLetters > 0 ||
    status.queue.capturePaused ||
    (status.cloud.halted !== null && status.cloud.halted !== undefined) ||
    status.sources.some((s) => s.state === 'error') ||
    status.alerts.length > 0
  );
}

export function formatDuration(totalSecs: number): string {
  const secs = Math.max(0, Math.round(totalSecs));
  if (secs < 90) return `${secs} s`;
  if (secs < 90 * 60) return `${Math.round(secs / 60)} min`;
  if (secs < 48 * 3600) return `${Math.round(secs / 3600)} h`;
  return `${Math.round(secs / 86400)} days`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
