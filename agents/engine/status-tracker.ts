import type { AgentStatus, ErrorInfo, SourceScheduleStatus, SourceState, SourceStatus } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { isoNow } from '../pipeline/clock.ts';
import type { OutboxStats } from '../outbox/index.ts';
import type { Alert } from '../api/index.ts';

export interface EnrollmentSummary {
  agentId: string;
  cloudUrl: string;
}

/** What a source's status keeps across a stop (status-tracker persists it through this store). */
export interface PersistedSourceStats {
  lastSuccessAt: string | null;
  recordsCaptured: number;
  lastError: ErrorInfo | null;
  counters?: Record<string, number>;
}

/** Durable per-source figures (the outbox's agent_state table), so `status` after a stop still tells the truth. */
export interface SourceStatsStore {
  getState(key: string): string | undefined;
  setState?(key: string, value: string): void;
}

/** The alert the engine raises while the cloud has revoked this agent (cloud-health.ts). */
const REVOKED_ALERT = 'agent_revoked';
/**
 * How often the figures are written while a source reads (each write is an fsync: not one per page
 * of an initial load) and while it idles; stop() writes them all, and a kill -9 loses at most this.
 */
const PERSIST_BUSY_MS = 5_000;
const PERSIST_IDLE_MS = 60_000;

export function sourceStatsKey(source: string): string {
  return `source.stats.${source}`;
}

/**
 * Keeps what the engine knows about its sources and the cloud, and turns it, with the outbox's
 * numbers, into the AgentStatus that status, the tray, the heartbeat and the browser all show.
 */
export class StatusTracker {
  private readonly sources = new Map<string, SourceStatus>();
  private readonly clock: Clock;
  private cloudReachable: boolean | null = null;
  /** Times the cloud went from answering (or unknown) to away: an outage shorter than any poll still counts. */
  private cloudOutages = 0;
  private lastContactAt: string | null = null;
  private lastCloudError: ErrorInfo | null = null;
  private capturePaused = false;
  private revoked = false;
  private commandChannel: { channel: 'websocket' | 'heartbeat'; since: string | null; lastError: ErrorInfo | null } = {
    channel: 'heartbeat',
    since: null,
    lastError: null,
  };
  private readonly store: SourceStatsStore | undefined;
  private readonly persistedAt = new Map<string, number>();

  /** With a store, each source's last success, count and last error survive a stop. */
  constructor(clock: Clock, store?: SourceStatsStore) {
    this.clock = clock;
    this.store = store;
  }

  registerSource(name: string, type: string): void {
    const saved = this.loadStats(name);
    this.sources.set(name, {
      name,
      type,
      state: 'starting',
      lastSuccessAt: saved?.lastSuccessAt ?? null,
      lastError: saved?.lastError ?? null,
      recordsCaptured: saved?.recordsCaptured ?? 0,
      ...(saved?.counters === undefined ? {} : { counters: saved.counters }),
    });
  }

  removeSource(name: string): void {
    this.sources.delete(name);
  }

  sourceSucceeded(name: string, records: number): void {
    const source = this.mustGet(name);
    source.state = 'ok';
    source.lastSuccessAt = isoNow(this.clock);
    source.recordsCaptured += records;
    const last = this.persistedAt.get(name);
    if (last === undefined || this.clock.now() - last >= (records > 0 ? PERSIST_BUSY_MS : PERSIST_IDLE_MS))
      this.persist(name);
  }

  /** Writes every source's figures now (at stop). */
  persistAll(): void {
    for (const name of this.sources.keys()) this.persist(name);
  }

  /** A source's own figure (RabbitMQ: redeliveries dropped, poison messages); persisted with the others. */
  sourceCount(name: string, counter: string, by: number): void {
    const source = this.mustGet(name);
    source.counters = { ...source.counters, [counter]: (source.counters?.[counter] ?? 0) + by };
    this.persist(name);
  }

  /** Keeps the newest five. */
  sourceNotice(name: string, message: string): void {
    const source = this.mustGet(name);
    source.notices = [{ message, at: isoNow(this.clock) }, ...(source.notices ?? [])].slice(0, 5);
  }

  sourceFailed(name: string, error: { code: string; message: string }): void {
    const source = this.mustGet(name);
    const changed = source.lastError?.code !== error.code || source.lastError.message !== error.message;
    source.state = 'error';
    source.lastError = { ...error, at: isoNow(this.clock) };
    if (changed) this.persist(name);
  }

  setSourceState(name: string, state: SourceState): void {
    this.mustGet(name).state = state;
  }

  setSourceSchedule(name: string, schedule: SourceScheduleStatus): void {
    const source = this.sources.get(name);
    if (source !== undefined) source.schedule = schedule;
  }

  /** False while the last cloud call failed for want of the cloud; null before the first. */
  get isCloudReachable(): boolean | null {
    return this.cloudReachable;
  }

  /** How many outages the agent has seen; a change means "the cloud was away since you last looked". */
  get cloudOutageCount(): number {
    return this.cloudOutages;
  }

  cloudSucceeded(): void {
    this.cloudReachable = true;
    this.lastContactAt = isoNow(this.clock);
  }

  cloudFailed(error: { code: string; message: string }, reachable: boolean): void {
    if (!reachable && this.cloudReachable !== false) this.cloudOutages += 1;
    this.cloudReachable = reachable;
    if (reachable) this.lastContactAt = isoNow(this.clock);
    this.lastCloudError = { ...error, at: isoNow(this.clock) };
  }

  /** The command tunnel's state (agents/delivery/tunnel.ts); the heartbeat when it is off or down. */
  setCommandChannel(state: {
    channel: 'websocket' | 'heartbeat';
    since: string | null;
    lastError: ErrorInfo | null;
  }): void {
    this.commandChannel = state;
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
    /** Why delivery stopped by itself, if it did (Deliverer.halted). */
    halted?: { kind: string; message: string } | null;
    deliveredByStream?: Array<{ source: string; stream: string; delivered: number }>;
  }): AgentStatus {
    const { stats } = input;
    // The persisted alert, not only this process's memory: a restarted or stopped agent that the
    // cloud revoked must not say "Enrolled: yes" beside "the cloud revoked this agent".
    const revoked = this.revoked || input.alerts.some((alert) => alert.code === REVOKED_ALERT);
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
        revoked,
      },
      cloud: {
        reachable: this.cloudReachable,
        lastContactAt: this.lastContactAt,
        lastError: this.lastCloudError,
        halted: input.halted ?? null,
        commandChannel: this.commandChannel.channel,
        commandChannelSince: this.commandChannel.since,
        tunnelError: this.commandChannel.lastError,
      },
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
        ...(input.deliveredByStream === undefined ? {} : { streams: input.deliveredByStream }),
      },
      sources: this.sourceStatuses(),
      alerts: input.alerts,
    };
  }

  private loadStats(name: string): PersistedSourceStats | null {
    const text = this.store?.getState(sourceStatsKey(name));
    if (text === undefined) return null;
    try {
      return JSON.parse(text) as PersistedSourceStats;
    } catch {
      return null;
    }
  }

  private persist(name: string): void {
    const source = this.sources.get(name);
    if (source === undefined || this.store?.setState === undefined) return;
    const stats: PersistedSourceStats = {
      lastSuccessAt: source.lastSuccessAt,
      recordsCaptured: source.recordsCaptured,
      lastError: source.lastError,
      ...(source.counters === undefined ? {} : { counters: source.counters }),
    };
    try {
      this.store.setState(sourceStatsKey(name), JSON.stringify(stats));
      this.persistedAt.set(name, this.clock.now());
    } catch {
      // A read-only outbox (status of a stopped agent) or a closing one: the figures stay in memory.
    }
  }

  private mustGet(name: string): SourceStatus {
    const source = this.sources.get(name);
    if (!source) throw new Error(`Unknown source ${name}`);
    return source;
  }
}
