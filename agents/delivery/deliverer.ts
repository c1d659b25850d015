/**
 * The delivery loop: one per lane, so an urgent batch (a shift close) never waits behind a bulk
 * request in flight (DESIGN.md §4.5). Each loop takes the next due batch from the outbox, posts it
 * and writes the outcome back; all retry state lives in the outbox, so a restart resumes exactly
 * where it stopped. While a batch is in flight the loop leases and sends the next, up to
 * `inFlightPerLane` (lane-window.ts). When nothing is due a loop sleeps until the earliest retry or
 * until notify().
 */
import { faultPoint } from '../pipeline/fault-points.ts';
import type { BatchRequest } from '../api/cloud.ts';
import type { Lane } from '../api/records.ts';
import { LANES_BY_PRIORITY } from '../api/records.ts';
import type {
  BatchSettlement,
  BatchVerdict,
  OutboxBatch,
  OutboxStats,
  RecordError,
} from '../outbox/outbox-types.ts';
import type { Clock } from '../pipeline/clock.ts';
import { assertNever, describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { nextWaitMs } from './backoff.ts';
import { buildBatchRequest } from './batch-request.ts';
import type { DeliveryError, DeliveryOutcome, HaltScope } from './classify.ts';
import type { RequestOptions } from './cloud-client.ts';
import { deliveredEvent, type DelivererEvent } from './deliverer-events.ts';
import { CloudHealth } from './cloud-health.ts';
import { haltAlertCode, type Halt } from './cloud-health.ts';
import { fileUploaderFor, type FileUploader, type FilePutter, type FileUploadOutbox } from './file-uploader.ts';
import { LaneWindow } from './lane-window.ts';

/** The outbox operations delivery needs (agents/outbox Outbox implements them). */
export interface DelivererOutbox extends Partial<FileUploadOutbox> {
  nextBatch(opts: {
    lane: Lane;
    maxRecords: number;
    maxBytes: number;
    excludeSources?: readonly string[];
    whileEarlierInFlight?: boolean;
  }): OutboxBatch | null;
  completeBatch(batchId: string, verdict: BatchVerdict): BatchSettlement;
  retryBatch(batchId: string, retry: { nextAttemptAt: number; error: RecordError }): void;
  splitBatch(batchId: string): void;
  deadLetterBatch(batchId: string, error: RecordError): void;
  releaseInFlight(): void;
  stats(): Pick<OutboxStats, 'nextAttemptAt'>;
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clearAlert(code: string): void;
}

/** CloudClient, as far as the loop is concerned. */
export interface BatchPoster extends Partial<FilePutter> {
  postBatch(request: BatchRequest, options?: RequestOptions): Promise<DeliveryOutcome>;
}

/** The outbox's source → entity binding (agents/outbox/source-entities.ts), as delivery reads it. */
export interface EntityRouting {
  entityOf(source: string): string | undefined;
  sourcesOf(entity: string): string[];
  inUse(): string[];
}

export interface DelivererOptions {
  outbox: DelivererOutbox;
  client: BatchPoster;
  agentId: string;
  /** The config's entity: for sources the routing does not know (an outbox from before bindings). */
  entity: string;
  /** Which entity each source's batches and files go under; absent: all under `entity`. */
  routing?: EntityRouting;
  limits: { batchMaxRecords: number; batchMaxBytes: number; batchMaxAgeMs: number };
  retry: { baseMs: number; maxMs: number };
  clock: Clock;
  random: () => number;
  logger: Logger;
  onEvent?: (event: DelivererEvent) => void;
  /** Raise `cloud_unreachable` after the cloud has failed for this long (default 5 minutes). */
  alertAfterMs?: number;
  /** Batches one lane may have in flight at once (default 4; 1: one round trip at a time). */
  inFlightPerLane?: number;
}

/** Upper bound on an idle sleep, so records enqueued by another process are found without notify(). */
const MAX_IDLE_MS = 30_000;
/** A batch is due but not for this lane (or blocked behind its stream's earlier batch): look again soon. */
const DUE_ELSEWHERE_MS = 1_000;
/** After an unexpected outbox error, before trying again. */
const ERROR_PAUSE_MS = 1_000;
/** stop() lets a request in flight finish for this long before aborting it. */
const STOP_GRACE_MS = 5_000;
/** A halt (cloud-api.md § Batches) is tried again this often, so it ends by itself when its cause goes. */
export const HALT_RETRY_MS = 300_000;

/** Default for `inFlightPerLane`: enough to hide lease, gzip and completion behind the round trip. */
export const IN_FLIGHT_PER_LANE = 4;

interface LaneState {
  pending: boolean;
  wake: AbortController | undefined;
  window: LaneWindow;
}

export class Deliverer {
  readonly #o: DelivererOptions;
  readonly #log: Logger;
  readonly #lanes = new Map<Lane, LaneState>();
  #stop: AbortController | undefined;
  #done: Promise<void> | undefined;
  /** Halts by alert code (one per scope): what the cloud said not to send, and when to try again. */
  readonly #halts = new Map<string, Halt>();
  readonly #health: CloudHealth;
  /** Originals of ingested files, uploaded ahead of each lane's batches (when outbox and client support it). */
  readonly #files: FileUploader | undefined;

  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'delivery' });
    this.#files = fileUploaderFor(options, this.#log);
    for (const lane of LANES_BY_PRIORITY) {
      const window = new LaneWindow(options.inFlightPerLane ?? IN_FLIGHT_PER_LANE);
      this.#lanes.set(lane, { pending: false, wake: undefined, window });
    }
    this.#health = new CloudHealth({
      alerts: options.outbox,
      emit: (event) => this.#emit(event),
      logger: this.#log,
      alertAfterMs: options.alertAfterMs ?? 300_000,
    });
  }

  get running(): boolean {
    return this.#done !== undefined;
  }

  /**
   * Why delivery as a whole stopped by the cloud's word (revoked, upgrade required, a refusal of the
   * agent or of its entity), or undefined. A halt of one source does not stop the others: see `halts`.
   */
  get halted(): Halt | undefined {
    return this.#blockingHalt();
  }

  /** Every halt in force, scoped ones included. */
  get halts(): Halt[] {
    return [...this.#halts.values()];
  }

  start(): void {
    if (this.#done !== undefined) return;
    this.#halts.clear();
    const stop = new AbortController();
    this.#stop = stop;
    const loops = [...this.#lanes.keys()].map((lane) => this.#runLane(lane, stop.signal));
    const done: Promise<void> = Promise.all(loops).then(() => {
      // Whatever a loop left leased (an aborted request) is due again next start.
      this.#o.outbox.releaseInFlight();
      if (this.#done === done) {
        this.#done = undefined;
        this.#stop = undefined;
      }
    });
    this.#done = done;
  }

  /** Something was enqueued: look now instead of at the next timer. */
  notify(): void {
    for (const state of this.#lanes.values()) {
      state.pending = true;
      state.wake?.abort();
    }
  }

  /** Lets a request in flight finish (up to a few seconds), aborts it otherwise, then releases leases. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    const done = this.#done;
    if (done === undefined) return;
    this.#stop?.abort(new Error('delivery stopping'));
    const grace = new AbortController();
    const timer = this.#o.clock
      .sleep(options.graceMs ?? STOP_GRACE_MS, grace.signal)
      .then(() => {
        for (const state of this.#lanes.values()) state.window.abortAll(new Error('delivery stopped'));
      })
      .catch(() => undefined);
    try {
      await done;
    } finally {
      grace.abort();
      await timer;
    }
  }

  async #runLane(lane: Lane, stop: AbortSignal): Promise<void> {
    const state = this.#lanes.get(lane)!;
    while (!stop.aborted) {
      try {
        state.pending = false;
        state.window.throwIfFailed();
        const blocking = this.#blockingHalt();
        if (blocking !== undefined && blocking.retryAt > this.#o.clock.now()) {
          // Nothing may go out until the halt's next try; notify() does not shorten it.
          await this.#pause(Math.min(blocking.retryAt - this.#o.clock.now(), MAX_IDLE_MS), stop);
          continue;
        }
        if (
          blocking === undefined &&
          this.#files !== undefined &&
          (await this.#files.uploadDue(lane, stop))
        ) {
          continue;
        }
        if (state.window.full) {
          await state.window.oneSettled(stop);
          continue;
        }
        const batch = this.#o.outbox.nextBatch({
          lane,
          maxRecords: this.#o.limits.batchMaxRecords,
          maxBytes: this.#o.limits.batchMaxBytes,
          excludeSources: this.#haltedSources(),
          whileEarlierInFlight: true,
        });
        // Nothing more now while batches are out: wait for one to come back rather than for notify(),
        // so records trickling in meanwhile leave as one batch, not one each.
        if (batch === null && state.window.size > 0) await state.window.oneSettled(stop);
        else if (batch === null) await this.#idle(lane, state, stop);
        // Handed out again after another lane's outbox error released every lease: it is still out.
        else if (state.window.has(batch.batchId)) await state.window.oneSettled(stop);
        else state.window.add(batch.batchId, this.#deliver(batch, state));
      } catch (error) {
        // Let this lane's other batches come back (and settle) before their leases are released.
        await state.window.drain();
        const { code, message } = describeError(error);
        this.#log.error(
          { err: error, errorType: code, stage: 'outbox', lane },
          `Delivery on the ${lane} lane hit an outbox error and pauses: ${message}`,
        );
        this.#emit({ type: 'error', code, message });
        // A batch whose outcome could not be written is still leased: hand it back so it is resent
        // (same Idempotency-Key, so the cloud replays its answer). Another lane only takes its own
        // lane's batches, and one it still has in flight is recognised and not sent twice.
        try {
          this.#o.outbox.releaseInFlight();
        } catch {
          // The outbox is unwell; the next round reports it again.
        }
        await this.#pause(ERROR_PAUSE_MS, stop);
      }
    }
    await state.window.drain();
  }

  async #idle(lane: Lane, state: LaneState, stop: AbortSignal): Promise<void> {
    if (state.pending) return;
    const batchDue = this.#o.outbox.stats().nextAttemptAt;
    const fileDue = this.#files?.nextAttemptAt() ?? null;
    const next = batchDue === null ? fileDue : fileDue === null ? batchDue : Math.min(batchDue, fileDue);
    let wait = next === null ? MAX_IDLE_MS : next - this.#o.clock.now();
    if (wait <= 0) wait = DUE_ELSEWHERE_MS;
    const wake = new AbortController();
    state.wake = wake;
    try {
      await this.#o.clock.sleep(Math.min(wait, MAX_IDLE_MS), AbortSignal.any([stop, wake.signal]));
    } catch {
      // Woken by notify() or stop(): both mean "look again".
    } finally {
      state.wake = undefined;
    }
    // A bulk burst is enqueued record by record: linger so it leaves as one batch, not a hundred.
    // Urgent records go at once.
    if (wake.signal.aborted && lane === 'bulk' && this.#o.limits.batchMaxAgeMs > 0) {
      await this.#pause(this.#o.limits.batchMaxAgeMs, stop);
    }
  }

  async #deliver(batch: OutboxBatch, state: LaneState): Promise<void> {
    const request = state.window.request();
    let outcome: DeliveryOutcome;
    faultPoint('delivery.before-request');
    const startedAt = performance.now();
    try {
      outcome = await this.#o.client.postBatch(buildBatchRequest(batch, this.#o.agentId, this.#entityOf(batch.source)), {
        signal: request.signal,
      });
    } catch (error) {
      // The client classifies HTTP itself; what escapes is local (e.g. the keychain would not
      // hand out the signing secret). The batch is fine: keep it and try again later.
      const { code, message } = describeError(error);
      outcome = { kind: 'retry', error: { code, message } };
    } finally {
      request.release();
    }
    // Aborted by stop(): the answer, if any, is unknown; the lease is released and the batch resent
    // with the same Idempotency-Key next time.
    if (request.signal.aborted) return;
    faultPoint('delivery.after-response');
    this.#apply(batch, outcome, performance.now() - startedAt);
  }

  #apply(batch: OutboxBatch, outcome: DeliveryOutcome, requestMs?: number): void {
    const { outbox } = this.#o;
    const where = `batch ${batch.batchId} (${batch.records.length} records of ${batch.source}/${batch.stream})`;
    const window = this.#lanes.get(batch.lane)?.window;
    if (outcome.kind === 'delivered' || outcome.kind === 'split' || outcome.kind === 'dead-letter') this.#liftHalts(batch.source);
    // A split (413: too large) is an answer but no delivery: its halves go one at a time until one is
    // taken, so a batch size the cloud refuses is not sent several times over at once.
    if (outcome.kind === 'delivered' || outcome.kind === 'dead-letter') window?.widen();
    else window?.narrow();
    switch (outcome.kind) {
      case 'delivered': {
        const { accepted, duplicates, stale, staleIndexes, rejected } = outcome.response;
        const settled = outbox.completeBatch(batch.batchId, { rejected, staleIndexes });
        this.#health.answered();
        this.#log.debug(
          { batchId: batch.batchId, lane: batch.lane, accepted, duplicates, stale, rejected: rejected.length, ...settled },
          `Delivered ${where}: ${accepted} accepted, ${duplicates} duplicates, ${stale} stale, ` +
            `${rejected.length} refused (${settled.deadLettered} to the dead letters, ${settled.renumbered} renumbered ` +
            `and queued again, ${settled.superseded} superseded by a later change).`,
        );
        for (const r of rejected) {
          this.#log.warn(
            { batchId: batch.batchId, index: r.index, errorType: r.code, stage: 'delivery' },
            `The cloud refused record ${r.index} of ${where} (${r.code}): ${r.message}`,
          );
        }
        this.#emit(deliveredEvent(batch, outcome.response, settled, requestMs));
        if (settled.renumbered > 0) this.notify();
        return;
      }
      case 'retry': {
        const waitMs = nextWaitMs(
          { baseMs: this.#o.retry.baseMs, capMs: this.#o.retry.maxMs },
          batch.attempts,
          this.#o.random,
          outcome.waitHintMs,
        );
        const now = this.#o.clock.now();
        outbox.retryBatch(batch.batchId, { nextAttemptAt: now + waitMs, error: recordError(outcome.error) });
        this.#health.failed(outcome.error, now);
        this.#log.warn(
          {
            batchId: batch.batchId,
            attempts: batch.attempts + 1,
            waitMs,
            errorType: outcome.error.code,
            stage: 'delivery',
          },
          `Could not deliver ${where}, will try again in ${Math.ceil(waitMs / 1000)} s: ${outcome.error.message}`,
        );
        this.#emit({
          type: 'retry-scheduled',
          batchId: batch.batchId,
          lane: batch.lane,
          attempts: batch.attempts + 1,
          waitMs,
          code: outcome.error.code,
          message: outcome.error.message,
        });
        return;
      }
      case 'split':
        outbox.splitBatch(batch.batchId);
        this.#health.answered();
        this.#log.info(
          { batchId: batch.batchId },
          `The cloud found ${where} too large; it is split in two and resent.`,
        );
        this.#emit({ type: 'split', batchId: batch.batchId, lane: batch.lane, records: batch.records.length });
        return;
      case 'dead-letter':
        outbox.deadLetterBatch(batch.batchId, recordError(outcome.error));
        this.#health.answered();
        this.#log.error(
          { batchId: batch.batchId, errorType: outcome.error.code, stage: 'delivery' },
          `The cloud refused ${where}; its records moved to the dead letters: ${outcome.error.message}`,
        );
        this.#emit({
          type: 'dead-lettered',
          batchId: batch.batchId,
          lane: batch.lane,
          records: batch.records.length,
          code: outcome.error.code,
          message: outcome.error.message,
        });
        return;
      case 'revoked':
        this.#halt(batch, { kind: 'revoked', scope: { type: 'agent' }, error: outcome.error });
        return;
      case 'upgrade-required':
        this.#halt(batch, { kind: 'upgrade-required', scope: { type: 'agent' }, error: outcome.error });
        return;
      case 'refused':
        this.#halt(batch, { kind: 'refused', scope: outcome.scope, error: outcome.error });
        return;
      default:
        assertNever(outcome, 'delivery outcome');
    }
  }

  /**
   * The cloud said "not this agent, not now": the batch waits (unchanged, same Idempotency-Key) for
   * the halt's next try, what the halt covers stops, and the queue is kept.
   */
  #halt(batch: OutboxBatch, cause: Omit<Halt, 'retryAt'>): void {
    const now = this.#o.clock.now();
    const halt: Halt = { ...cause, retryAt: now + HALT_RETRY_MS };
    this.#o.outbox.retryBatch(batch.batchId, { nextAttemptAt: halt.retryAt, error: recordError(cause.error) });
    const code = haltAlertCode(halt);
    const known = this.#halts.has(code);
    this.#halts.set(code, halt);
    if (!known) this.#health.halted(halt);
    for (const state of this.#lanes.values()) state.wake?.abort();
  }

  /** A batch of `source` got a real answer: halts that covered it are over. */
  #liftHalts(source: string): void {
    for (const [code, halt] of this.#halts) {
      if (!this.#covers(halt.scope, source)) continue;
      this.#halts.delete(code);
      this.#health.haltLifted(halt);
    }
  }

  #covers(scope: HaltScope, source: string): boolean {
    if (scope.type === 'source') return scope.source === source;
    if (scope.type === 'entity') return scope.entity === this.#entityOf(source);
    return true;
  }

  #entityOf(source: string): string {
    return this.#o.routing?.entityOf(source) ?? this.#o.entity;
  }

  /**
   * A halt that stops everything this deliverer sends: the agent's, or an entity's when every
   * source sends for that entity (one company per agent, the common case).
   */
  #blockingHalt(): Halt | undefined {
    const entities = new Set([this.#o.entity, ...(this.#o.routing?.inUse() ?? [])]);
    let blocking: Halt | undefined;
    for (const halt of this.#halts.values()) {
      if (halt.scope.type === 'source') continue;
      if (halt.scope.type === 'entity' && (entities.size > 1 || !entities.has(halt.scope.entity))) continue;
      if (blocking === undefined || halt.retryAt < blocking.retryAt) blocking = halt;
    }
    return blocking;
  }

  /** Sources halted on their own, or through their entity, whose next try is not due yet. */
  #haltedSources(): string[] {
    const now = this.#o.clock.now();
    const sources: string[] = [];
    for (const halt of this.#halts.values()) {
      if (halt.retryAt <= now) continue;
      if (halt.scope.type === 'source') sources.push(halt.scope.source);
      else if (halt.scope.type === 'entity') sources.push(...(this.#o.routing?.sourcesOf(halt.scope.entity) ?? []));
    }
    return sources;
  }

  async #pause(ms: number, stop: AbortSignal): Promise<void> {
    try {
      await this.#o.clock.sleep(ms, stop);
    } catch {
      // stop() ended the pause early; the loop condition sees it.
    }
  }

  #emit(event: DelivererEvent): void {
    try {
      this.#o.onEvent?.(event);
    } catch (error) {
      this.#log.error({ err: error }, 'A delivery event listener threw; the event was dropped.');
    }
  }
}

function recordError(error: DeliveryError): RecordError {
  return { code: error.code, message: error.message };
}
