/**
 * The stream pipelines of a running agent: built from the config's `streams`, fed by the reference
 * lists cached in reference.db (refreshed from the cloud while it is reachable, used as they are
 * while it is not), with one spike guard per stream and the stream's schema version kept in the
 * outbox. Also the quarantine replay, which runs records through the same steps again.
 */
import type { AgentConfig, ReplayResult } from '../../api/index.ts';
import type { Outbox } from '../../outbox/index.ts';
import type { ReplayOutcome } from '../../outbox/quarantine-store.ts';
import type { Clock } from '../../pipeline/clock.ts';
import { ReferenceData, ReferenceStore, referenceDbPath, STANDARD_REFERENCE_LISTS } from '../../reference/index.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { CloudClient } from '../../delivery/cloud-client.ts';
import type { CapturePipeline } from '../capture-loop.ts';
import type { ReferenceRows, RulesLoader } from './pipeline-rules.ts';
import { SpikeGuard } from './spike-guard.ts';
import { StreamPipelines } from './stream-pipelines.ts';
import { loadPipelineModules, validationModule } from './pipeline-modules.ts';

/** Rules files as the pipeline reads them: cleansing, JSON Schema and business rules (docs/validation.md). */
const loadRulesFile: RulesLoader = (file) => {
  const { readRulesFile, StreamValidator } = validationModule();
  return StreamValidator.fromConfig(readRulesFile(file), file);
};

const SCHEMA_KEY = 'stream-schema-version:';
/** How often the reference lists the rules use are revalidated with the cloud (ETag: cheap when unchanged). */
const REFERENCE_REFRESH_MS = 15 * 60 * 1000;
const REFERENCE_RETRY_MS = Number(process.env['TYA_REFERENCE_RETRY_MS'] ?? 60_000);

export interface AgentPipelineOptions {
  configFile: string;
  config: () => AgentConfig;
  dataDir: string;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  loadRules?: RulesLoader | undefined;
  client?: () => CloudClient | null;
  /** A replay the agent made by itself queued records: wake delivery. */
  onReplayed?: () => void;
  /** False while the cloud is away: the lists are revalidated once it answers again. */
  cloudReachable?: () => boolean;
  /**
   * Outages seen so far (StatusTracker.cloudOutageCount). A delivery can fail and succeed again
   * between two retry ticks; the count still moves, so that outage is not missed.
   */
  cloudOutages?: () => number;
  /** The source's quarantine spike: pause it and say why. */
  onSpike?: (source: string, stream: string, why: string) => void;
}

export class AgentPipeline {
  readonly pipelines: StreamPipelines;
  readonly reference: ReferenceData;
  /** The cached lists as validation reads them. */
  readonly referenceRows: ReferenceRows;
  readonly #options: AgentPipelineOptions;
  readonly #guards = new Map<string, SpikeGuard>();
  #timer: NodeJS.Timeout | null = null;
  #refreshedAt = 0;
  #refreshFailed = false;
  #outagesAtRefresh = 0;

  constructor(options: AgentPipelineOptions) {
    this.#options = options;
    const client = options.client;
    this.reference = new ReferenceData({
      store: new ReferenceStore(referenceDbPath(options.dataDir)),
      clock: options.clock,
      fetcher: {
        getReference: (name, etag, opts) => {
          const c = client?.();
          if (c === undefined || c === null) return Promise.reject(new Error('the agent is not enrolled'));
          return c.getReference(name, etag, opts);
        },
      },
    });
    this.pipelines = new StreamPipelines({
      configFile: options.configFile,
      streams: () => options.config().streams,
      loadRules: options.loadRules ?? loadRulesFile,
      reference: (this.referenceRows = referenceRows(this.reference)),
      entityOf: (source) => this.entityOf(source),
      logger: options.logger.child({ component: 'pipeline' }),
    });
  }

  /** What one source's capture loop uses; undefined when none of its streams has a pipeline. */
  forSource(source: string): CapturePipeline | undefined {
    if (!this.#options.config().streams.some((s) => s.source === source)) return undefined;
    return {
      process: (records) => this.pipelines.process(source, records),
      guard: (stream) => this.#guard(source, stream),
      schemaVersion: (stream) => this.schemaVersion(source, stream),
      onSpike: (stream, why) => this.#options.onSpike?.(source, stream, why),
    };
  }

  schemaVersion(source: string, stream: string): number {
    return Number(this.#options.outbox.getState(`${SCHEMA_KEY}${source}/${stream}`) ?? '1');
  }

  /** "Re-send with the new mapping": the next records of the stream carry a higher schemaVersion. */
  raiseSchemaVersion(source: string, stream: string): number {
    const next = this.schemaVersion(source, stream) + 1;
    this.#options.outbox.setState(`${SCHEMA_KEY}${source}/${stream}`, String(next));
    return next;
  }

  /**
   * Revalidates the lists now and every 15 minutes while the agent runs. The first refresh gets a few
   * seconds before sources start, so a new agent does not hold its first records for lists it is
   * about to have; after that the cache answers whatever the cloud does.
   */
  async startRefreshing(firstWaitMs = 5_000): Promise<void> {
    const first = this.refreshReference();
    // Every 15 minutes, and within a minute of the cloud answering again after an outage or a failed attempt.
    this.#timer = setInterval(() => {
      if (this.#options.cloudReachable?.() === false) this.#refreshFailed = true;
      else if (this.#refreshFailed || this.#outageSinceRefresh() || this.#options.clock.now() - this.#refreshedAt >= REFERENCE_REFRESH_MS) void this.refreshReference();
    }, REFERENCE_RETRY_MS);
    this.#timer.unref();
    // The configured streams' mapping and rules modules load meanwhile, so no first page waits for them.
    const modules = Promise.all(this.#options.config().streams.map((stream) => loadPipelineModules(stream)));
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, firstWaitMs).unref())]);
    await modules;
  }

  async refreshReference(): Promise<void> {
    // Taken first, so an agent with no lists to refresh does not come back here every tick after an outage.
    this.#outagesAtRefresh = this.#options.cloudOutages?.() ?? 0;
    const config = this.#options.config();
    // Per entity: the standard lists where a stream has rules, and the lists its mappings look values up in.
    const wanted = new Map<string, Set<string>>();
    for (const s of config.streams) {
      const lists = [...(s.rules !== undefined ? STANDARD_REFERENCE_LISTS : []), ...this.pipelines.lookupLists(s.source, s.stream)];
      const entity = this.entityOf(s.source);
      if (lists.length > 0) wanted.set(entity, new Set([...(wanted.get(entity) ?? []), ...lists]));
    }
    if (wanted.size === 0 || this.#options.client?.() == null) return;
    this.#refreshedAt = this.#options.clock.now();
    this.#refreshFailed = false;
    let fetched = false;
    for (const [entity, names] of wanted) {
      for (const name of names) {
        const outcome = await this.reference.refresh(entity, name).catch((error: unknown) => ({ status: 'failed' as const, error: String(error) }));
        if (outcome.status === 'failed') this.#options.logger.warn({ entity, list: name }, `Reference list ${name} not refreshed: ${outcome.error}; the cached copy stays in use.`);
        if (outcome.status === 'failed') this.#refreshFailed = true;
        if (outcome.status === 'fetched') fetched = true;
      }
    }
    if (fetched) await this.#replayWaitingForLists();
  }

  #outageSinceRefresh(): boolean {
    return (this.#options.cloudOutages?.() ?? 0) !== this.#outagesAtRefresh;
  }

  /** Records held only because a list was not cached yet are judged again once lists arrive. */
  async #replayWaitingForLists(): Promise<void> {
    const waiting = this.#options.outbox.quarantine
      .list({ status: 'held', limit: 5000 })
      .filter((e) => e.reasons.every((r) => r.code === 'reference_unavailable'))
      .map((e) => e.id);
    if (waiting.length === 0) return;
    const result = await this.replay(waiting, 'system');
    this.#options.logger.info({ ...result }, `Replayed ${waiting.length} records held for reference lists that have now arrived.`);
    if (result.replayed > 0) this.#options.onReplayed?.();
  }

  /**
   * Replays quarantined records: the same mapping and rules as capture (as the files are now), then
   * queued with their original seq, superseded, or left with their new reasons.
   */
  async replay(ids: readonly number[] | 'all', actor: string, scope: { source?: string; stream?: string } = {}): Promise<ReplayResult> {
    const quarantine = this.#options.outbox.quarantine;
    const entries = quarantine.replayCandidates(ids, scope);
    const outcomes: ReplayOutcome[] = [];
    const bySourceStream = new Map<string, typeof entries>();
    for (const entry of entries) {
      const id = `${entry.source}\u0000${entry.stream}`;
      bySourceStream.set(id, [...(bySourceStream.get(id) ?? []), entry]);
    }
    for (const group of bySourceStream.values()) {
      const { source, stream } = group[0]!;
      const page = await this.pipelines.processRecords(source, group.map((e) => e.record));
      const schemaVersion = this.schemaVersion(source, stream);
      group.forEach((entry, i) => {
        const mark = page.quarantine.get(i);
        outcomes.push(mark === undefined ? { id: entry.id, pass: true, record: page.records[i]!, schemaVersion } : { id: entry.id, pass: false, mark });
      });
    }
    const settled = quarantine.settleReplay(entries, outcomes, actor);
    const requested = ids === 'all' ? entries.length : ids.length;
    return { ...settled, skipped: Math.max(0, requested - entries.filter((e) => ids === 'all' || ids.includes(e.id)).length) };
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.pipelines.close();
    this.reference.close();
  }

  #guard(source: string, stream: string): SpikeGuard | undefined {
    const config = this.pipelines.configOf(source, stream);
    if (config === undefined) return undefined;
    const id = `${source}\u0000${stream}`;
    let guard = this.#guards.get(id);
    if (guard === undefined) {
      guard = new SpikeGuard(config.quarantineSpike);
      this.#guards.set(id, guard);
    }
    return guard;
  }

  /** The entity a source sends for: its own, or the agent's. */
  entityOf(source: string): string {
    const config = this.#options.config();
    return config.sources.find((s) => s.name === source)?.entity ?? config.cloud.entity;
  }
}

/** The cached lists as validation reads them, parsed once per list version. */
function referenceRows(reference: ReferenceData): ReferenceRows {
  const cache = new Map<string, { fetchedAt: number; checkedAt: number; rows: readonly Record<string, string>[] }>();
  return {
    rows: (entity, list) => {
      const cached = reference.get(entity, list);
      if (cached === undefined) return undefined;
      const id = `${entity}\u0000${list}`;
      const hit = cache.get(id);
      if (hit?.fetchedAt === cached.fetchedAt) return hit.rows;
      cache.set(id, { fetchedAt: cached.fetchedAt, checkedAt: cached.checkedAt, rows: cached.items });
      return cached.items;
    },
  };
}
