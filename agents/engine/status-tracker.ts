import type { AgentStatus, ErrorInfo, SourceState, SourceStatus } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { isoNow } from '../pipeline/clock.ts';
import type { OutboxStats } from '../outbox/index.ts';
import type { Alert } from '../api/index.ts';

export interface EnrollmentSummary {
  agentId: string;
  cloudUrl: string;
}

/**
 * Keeps what the engine knows about its sources and the cloud, and turns it, with the outbox's
 * numbers, into the AgentStatus that status, the tray, the heartbeat and the browser all show.
 */
export class StatusTracker {
  private readonly sources = new Map<string, SourceStatus>();
  private readonly clock: Clock;
  private cloudReachable: boolean | null = null;
  private lastContactAt: string | null = null;
  private lastCloudError: ErrorInfo | null = null;
  private capturePaused = false;
  private revoked = false;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  registerSource(name: string, type: string): void {
    this.sources.set(name, { name, type, state: 'starting', lastSuccessAt: null, lastError: null, recordsCaptured: 0 });
  }

  removeSource(name: string): void {
    this.sources.delete(name);
  }

  sourceSucceeded(name: string, records: number): void {
    const source = this.mustGet(name);
    source.state = 'ok';
    source.lastSuccessAt = isoNow(this.clock);
    source.recordsCaptured += records;
  }

  /** Keeps the newest five. */
  sourceNotice(name: string, message: string): void {
    const source = this.mustGet(name);
    source.notices = [{ message, at: isoNow(this.clock) }, ...(source.notices ?? [])].slice(0, 5);
  }

  sourceFailed(name: string, error: { code: string; message: string }): void {
    const source = this.mustGet(name);
    source.state = 'error';
    source.lastError = { ...error, at: isoNow(this.clock) };
  }

  setSourceState(name: string, state: SourceState): void {
    this.mustGet(name).state = state;
  }

  cloudSucceeded(): void {
    this.cloudReachable = true;
    this.lastContactAt = isoNow(this.clock);
  }

  cloudFailed(error: { code: string; message: string }, reachable: boolean): void {
    this.cloudReachable = reachable;
    if (reachable) this.lastContactAt = isoNow(this.clock);
    this.lastCloudError = { ...error, at: isoNow(this.clock) };
  }

  setCapturePaused(paused: boolean): void {
    this.capturePaused = paused;
  }

  setRevoked(revoked: boolean): void {
    this.revoked = revoked;
  }

  sourceStatuses(): SourceStatus[] {
    return [...this.sources.values()].map((s) => ({ ...s }));
  }

  build(input: {
    name: string;
    version: string;
    startedAt: string | null;
    running: boolean;
    enrollment: EnrollmentSummary | null;
    stats: OutboxStats;
    alerts: Alert[];
  }): AgentStatus {
    const { stats } = input;
    const oldestAgeSecs =
      stats.oldestCapturedAt === null
        ? null
        : Math.max(0, Math.round((this.clock.now() - Date.parse(stats.oldestCapturedAt)) / 1000));
    return {
      agent: {
        name: input.name,
        version: input.version,
        pid: input.running ? process.pid : null,
        running: input.running,
        startedAt: input.startedAt,
      },
      enrollment: {
        enrolled: input.enrollment !== null,
        agentId: input.enrollment?.agentId ?? null,
        cloudUrl: input.enrollment?.cloudUrl ?? null,
        revoked: this.revoked,
      },
      cloud: { reachable: this.cloudReachable, lastContactAt: this.lastContactAt, lastError: this.lastCloudError },
      queue: {
        depth: stats.depth,
        urgentDepth: stats.urgentDepth,
        bytes: stats.bytes,
        maxBytes: stats.maxBytes,
        oldestCapturedAt: stats.oldestCapturedAt,
        oldestAgeSecs,
        deadLetters: stats.deadLetters,
        delivered: stats.delivered,
        capturePaused: this.capturePaused,
      },
      sources: this.sourceStatuses(),
      alerts: input.alerts,
    };
  }

  private mustGet(name: string): SourceStatus {
    const source = this.sources.get(name);
    if (!source) throw new Error(`Unknown source ${name}`);
    return source;
  }
}
