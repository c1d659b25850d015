/**
 * Should an update be rolled back? A pure function of the new version's start attempts since it
 * was installed, as the service wrapper (systemd, WinSW) and the agent's own status report them.
 * Health here is local health: the outbox opened, the control API answers, the pipelines started.
 * Whether the cloud answers is deliberately not part of it: an office whose internet is down must
 * not flip between versions, and the old version would be just as offline.
 */

export interface StartAttempt {
  startedAtMs: number;
  /** When the new version first reported itself locally healthy, or null when it has not (yet). */
  healthyAtMs: number | null;
  /** When the process ended, or null while it runs. */
  exitedAtMs: number | null;
  /** The exit code (null for a signal or while running). */
  exitCode: number | null;
  /** The operator or the service manager asked it to stop: that exit is no crash. */
  stopRequested?: boolean;
  /** Whether the cloud answered: shown in the words, never a reason to roll back. */
  cloudReachable?: boolean;
}

export interface RollbackOptions {
  /** This many unrequested exits within `crashWindowMs` is a crash loop (default 3 in 10 min). */
  crashExits: number;
  crashWindowMs: number;
  /** A start that is neither healthy nor ended after this long failed to start (default 120 s). */
  startTimeoutMs: number;
  /** Healthy and running this long after the update: confirmed, the snapshot may go (default 30 min). */
  probationMs: number;
}

export const DEFAULT_ROLLBACK_POLICY: RollbackOptions = {
  crashExits: 3,
  crashWindowMs: 10 * 60_000,
  startTimeoutMs: 120_000,
  probationMs: 30 * 60_000,
};

export type RollbackDecision =
  | { action: 'rollback'; reason: 'crash_loop' | 'no_healthy_start'; message: string }
  | { action: 'keep'; reason: 'confirmed' | 'watching' | 'healthy_offline'; confirmed: boolean; message: string };

export function decideRollback(
  attempts: readonly StartAttempt[],
  nowMs: number,
  options: RollbackOptions = DEFAULT_ROLLBACK_POLICY,
): RollbackDecision {
  const crashes = attempts
    .filter((a) => a.exitedAtMs !== null && a.exitedAtMs <= nowMs && !a.stopRequested)
    .map((a) => a.exitedAtMs as number)
    .sort((x, y) => x - y);
  for (let i = 0; i + options.crashExits - 1 < crashes.length; i++) {
    const first = crashes[i] as number;
    const last = crashes[i + options.crashExits - 1] as number;
    if (last - first <= options.crashWindowMs) {
      return {
        action: 'rollback',
        reason: 'crash_loop',
        message: `The new version ended ${options.crashExits} times within ${minutes(last - first)} min: it crash-loops, so the previous version is restored.`,
      };
    }
  }
  const latest = attempts.reduce<StartAttempt | undefined>((a, b) => (a === undefined || b.startedAtMs > a.startedAtMs ? b : a), undefined);
  if (latest === undefined) return { action: 'keep', reason: 'watching', confirmed: false, message: 'The new version has not started yet.' };
  if (latest.healthyAtMs === null && latest.exitedAtMs === null && nowMs - latest.startedAtMs > options.startTimeoutMs) {
    return {
      action: 'rollback',
      reason: 'no_healthy_start',
      message: `The new version has run ${Math.round((nowMs - latest.startedAtMs) / 1000)} s without reporting itself healthy (limit ${Math.round(options.startTimeoutMs / 1000)} s): the previous version is restored.`,
    };
  }
  const healthy = latest.healthyAtMs !== null && latest.exitedAtMs === null;
  const confirmed = healthy && nowMs - (latest.healthyAtMs as number) >= options.probationMs;
  if (healthy && latest.cloudReachable === false) {
    return { action: 'keep', reason: 'healthy_offline', confirmed, message: 'The new version runs and is healthy; the cloud does not answer, which is no reason to roll back.' };
  }
  return confirmed
    ? { action: 'keep', reason: 'confirmed', confirmed: true, message: 'The new version has run healthy through its probation: the update is confirmed.' }
    : { action: 'keep', reason: 'watching', confirmed: false, message: 'The new version is being watched.' };
}

function minutes(ms: number): string {
  return (ms / 60_000).toFixed(1).replace(/\.0$/, '');
}
