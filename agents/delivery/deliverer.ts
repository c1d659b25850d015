/**
 * The delivery loop: one per lane, so an urgent batch (a shift close) never waits behind a bulk
 * request in flight (DESIGN.md §4.5). Each loop takes the next due batch from the outbox, posts it
 * and writes the outcome back; all retry state lives in the outbox, so a restart resumes exactly
 * where it stopped. When nothing is due a loop sleeps until the earliest retry or until notify().
 */
import type { BatchRejection, BatchRequest } from '../api/cloud.ts';
import type { Lane } from '../api/records.ts';
import { LANES_BY_PRIORITY } from '../api/records.ts';
import type { OutboxBatch, OutboxStats, RecordError } from '../outbox/outbox-types.ts';
import type { Clock } from '../pipeline/clock.ts';
import { assertNever, describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { nextWaitMs } from './backoff.ts';
import { buildBatchRequest } from './batch-request.ts';
import type { DeliveryError, DeliveryOutcome } from './classify.ts';
import type { RequestOptions } from './cloud-client.ts';
import type { DelivererEvent } from './deliverer-events.ts';

/** The outbox operations delivery needs (agents/outbox Outbox implements them). */
export interface DelivererOutbox {
  nextBatch(opts: { lane: Lane; maxRecords: number; maxBytes: number }): OutboxBatch | null;
  completeBatch(batchId: string, rejections: readonly BatchRejection[]): void;
  retryBatch(batchId: string, retry: { nextAttemptAt: number; error: RecordError }): void;
  splitBatch(batchId: string): void;
  deadLetterBatch(batchId: string, error: RecordError): void;
  releaseInFlight(): void;
  stats(): Pick<OutboxStats, 'nextAttemptAt'>;
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clearAlert(code: string): void;
}

/** CloudClient, as far as the loop is concerned. */
export interface BatchPoster {
  postBatch(request: BatchRequest, options?: RequestOptions): Promise<DeliveryOutcome>;
}

export interface DelivererOptions {
  outbox: DelivererOutbox;
  client: BatchPoster;
  agentId: string;
  entity: string;
  limits: { batchMaxRecords: number; batchMaxBytes: number; batchMaxAgeMs: number };
  retry: { baseMs: number; maxMs: number };
  clock: Clock;
  random: () => number;
  logger: Logger;
  onEvent?: (event: DelivererEvent) => void;
  /** Raise `cloud_unreachable` after the cloud has failed for this long (default 5 minutes). */
  alertAfterMs?: number;
}

/** Upper bound on an idle sleep, so records enqueued by another process are found without notify(). */
const MAX_IDLE_MS = 30_000;
/** A batch is due but not for this lane (or blocked behind its stream's earlier batch): look again soon. */
const DUE_ELSEWHERE_MS = 1_000;
/** After an unexpected outbox error, before trying again. */
const ERROR_PAUSE_MS = 1_000;
/** stop() lets a request in flight finish for this long before aborting it. */
const STOP_GRACE_MS = 5_000;

export const DeliveryAlerts = {
  revoked: 'agent_revoked',
  upgradeRequired: 'upgrade_required',
  unreachable: 'cloud_unreachable',
} as const;

interface LaneState {
  pending: boolean;
  wake: AbortController | undefined;
  request: AbortController | undefined;
}

type Halt = { kind: 'revoked' | 'upgrade-required'; error: DeliveryError };

export class Deliverer {
  readonly #o: DelivererOptions;
  readonly #log: Logger;
  readonly #lanes = new Map<Lane, LaneState>();
  #stop: AbortController | undefined;
  #done: Promise<void> | undefined;
  #halt: Halt | undefined;
  #cloudOk: boolean | undefined;
  #failingSince: number | undefined;
  #unreachableRaised = false;

  constructor(options: DelivererOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'delivery' });
    for (const lane of LANES_BY_PRIORITY)
      this.#lanes.set(lane, { pending: false, wake: undefined, request: undefined });
  }

  get running(): boolean {
    return this.#done !== undefined;
  }

  /** Why delivery stopped by itself (revoked, upgrade required), or undefined. */
  get halted(): Halt | undefined {
    return this.#halt;
  }

  start(): void {
    if (this.#done !== undefined) return;
    this.#halt = undefined;
    const stop = new AbortController();
    this.#stop = stop;
    const loops = [...this.#lanes.keys()].map((lane) => this.#runLane(lane, stop.signal));
    this.#done = Promise.all(loops).then(() => {
      // Whatever a loop left leased (an aborted request, a revocation) is due again next start.
      this.#o.outbox.releaseInFlight();
    });
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
        for (const state of this.#lanes.values()) state.request?.abort(new Error('delivery stopped'));
      })
      .catch(() => undefined);
    try {
      await done;
    } finally {
      grace.abort();
      await timer;
      this.#done = undefined;
      this.#stop = undefined;
    }
  }

  async #runLane(lane: Lane, stop: AbortSignal): Promise<void> {
    const state = this.#lanes.get(lane)!;
    while (!stop.aborted && this.#halt === undefined) {
      try {
        state.pending = false;
        const batch = this.#o.outbox.nextBatch({
          lane,
          maxRecords: this.#o.limits.batchMaxRecords,
          maxBytes: this.#o.limits.batchMaxBytes,
        });
        if (batch === null) await this.#idle(lane, state, stop);
        else await this.#deliver(batch, state);
      } catch (error) {
        const { code, message } = describeError(error);
        this.#log.error(
          { err: error, errorType: code, stage: 'outbox', lane },
          `Delivery on the ${lane} lane hit an outbox error and pauses: ${message}`,
        );
        this.#emit({ type: 'error', code, message });
        await this.#pause(ERROR_PAUSE_MS, stop);
      }
    }
  }

  async #idle(lane: Lane, state: LaneState, stop: AbortSignal): Promise<void> {
    if (state.pending) return;
    const next = this.#o.outbox.stats().nextAttemptAt;
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
    const request = new AbortController();
    state.request = request;
    let outcome: DeliveryOutcome;
    try {
      outcome = await this.#o.client.postBatch(buildBatchRequest(batch, this.#o.agentId, this.#o.entity), {
        signal: request.signal,
      });
    } catch (error) {
      // The client classifies HTTP itself; what escapes is local (e.g. the keychain would not
      // hand out the signing secret). The batch is fine: keep it and try again later.
      const { code, message } = describeError(error);
      outcome = { kind: 'retry', error: { code, message } };
    } finally {
      state.request = undefined;
    }
    // Aborted by stop(): the answer, if any, is unknown; the lease is released and the batch resent
    // with the same Idempotency-Key next time.
    if (request.signal.aborted) return;
    this.#apply(batch, outcome);
  }

  #apply(batch: OutboxBatch, outcome: DeliveryOutcome): void {
    const { outbox } = this.#o;
    const where = `batch ${batch.batchId} (${batch.records.length} records of ${batch.source}/${batch.stream})`;
    switch (outcome.kind) {
      case 'delivered': {
        const { accepted, duplicates, rejected } = outcome.response;
        outbox.completeBatch(batch.batchId, rejected);
        this.#cloudAnswered();
        this.#log.debug(
          { batchId: batch.batchId, lane: batch.lane, accepted, duplicates, rejected: rejected.length },
          `Delivered ${where}: ${accepted} accepted, ${duplicates} duplicates, ${rejected.length} rejected.`,
        );
        for (const r of rejected) {
          this.#log.warn(
            { batchId: batch.batchId, index: r.index, errorType: r.code, stage: 'delivery' },
            `The cloud rejected record ${r.index} of ${where}; it moved to the dead letters: ${r.message}`,
          );
        }
        this.#emit({
          type: 'delivered',
          batchId: batch.batchId,
          lane: batch.lane,
          source: batch.source,
          stream: batch.stream,
          accepted,
          duplicates,
          rejected: rejected.length,
        });
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
        this.#cloudFailed(outcome.error, now);
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
        this.#cloudAnswered();
        this.#log.info(
          { batchId: batch.batchId },
          `The cloud found ${where} too large; it is split in two and resent.`,
        );
        this.#emit({ type: 'split', batchId: batch.batchId, lane: batch.lane, records: batch.records.length });
        return;
      case 'dead-letter':
        outbox.deadLetterBatch(batch.batchId, recordError(outcome.error));
        this.#cloudAnswered();
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
        this.#halted({ kind: 'revoked', error: outcome.error });
        return;
      case 'upgrade-required':
        this.#halted({ kind: 'upgrade-required', error: outcome.error });
        return;
      default:
        assertNever(outcome, 'delivery outcome');
    }
  }

  #halted(halt: Halt): void {
    if (this.#halt !== undefined) return;
    // The leased batch is left alone: releaseInFlight() hands it back untouched, the queue is kept.
    this.#halt = halt;
    for (const state of this.#lanes.values()) state.wake?.abort();
    if (halt.kind === 'revoked') {
      const message =
        'The cloud revoked this agent: delivery stopped and the queue is kept. Enroll again with a new enrollment key.';
      this.#o.outbox.raiseAlert({ code: DeliveryAlerts.revoked, severity: 'critical', message });
      this.#log.error({ errorType: halt.error.code, stage: 'delivery' }, message);
      this.#emit({ type: 'revoked', message });
    } else {
      const message =
        'The cloud no longer accepts this agent version: delivery stopped and the queue is kept. Install the current version.';
      this.#o.outbox.raiseAlert({ code: DeliveryAlerts.upgradeRequired, severity: 'critical', message });
      this.#log.error({ errorType: halt.error.code, stage: 'delivery' }, message);
      this.#emit({ type: 'upgrade-required', message });
    }
    this.#emit({ type: 'cloud-error', code: halt.error.code, message: halt.error.message });
  }

  /** Any answer that settles a batch proves the cloud is there and accepts this agent. */
  #cloudAnswered(): void {
    this.#failingSince = undefined;
    if (this.#cloudOk === true) return;
    this.#cloudOk = true;
    for (const code of Object.values(DeliveryAlerts)) this.#o.outbox.clearAlert(code);
    this.#unreachableRaised = false;
    this.#emit({ type: 'cloud-ok' });
  }

  #cloudFailed(error: DeliveryError, now: number): void {
    this.#cloudOk = false;
    this.#failingSince ??= now;
    this.#emit({ type: 'cloud-error', code: error.code, message: error.message });
    const failingMs = now - this.#failingSince;
    if (!this.#unreachableRaised && failingMs >= (this.#o.alertAfterMs ?? 300_000)) {
      this.#unreachableRaised = true;
      this.#o.outbox.raiseAlert({
        code: DeliveryAlerts.unreachable,
        severity: 'warning',
        message: `Nothing reached the cloud for ${Math.round(failingMs / 60_000)} minutes (${error.message}). The data is kept and goes out when the cloud is back.`,
      });
    }
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
