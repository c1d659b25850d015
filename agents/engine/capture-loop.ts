import type { Source, ReadResult } from '../pipeline/source.ts';
import type { SourceRecord } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { AgentError, BackOffError, describeError, NotConnectedError, PermanentError, StreamsStoppedError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { OutboxFullError, type Outbox } from '../outbox/index.ts';
import { faultPoint } from '../pipeline/fault-points.ts';
import type { StatusTracker } from './status-tracker.ts';
import { Wakeup } from './wakeup.ts';
import type { BackpressureGate } from './backpressure-gate.ts';
import type { ReadSchedule } from '../scheduler/read-schedule.ts';
import type { ProcessedPage } from './stream-pipeline/stream-pipelines.ts';
import type { SpikeGuard } from './stream-pipeline/spike-guard.ts';
import { clearStalledAlerts, READ_STALL_ALERT_MS, ReadWatch } from './read-watch.ts';
import { clearAlertsOfSource, clearFailingAlertsOfRemovedSources, FailureWatch, SOURCE_FAILING_ALERT_MS } from './failure-watch.ts';

/** How long stop() waits for a read in progress before it leaves it behind (read-watch.ts). */
const STOP_WAIT_MS = 10_000;

/** The stream pipeline as one source's loop uses it (stream-pipeline/). */
export interface CapturePipeline {
  process(records: ReadResult['records']): Promise<ProcessedPage>;
  /** The stream's spike guard, when it has a pipeline. */
  guard(stream: string): SpikeGuard | undefined;
  schemaVersion(stream: string): number;
  /** A quarantine spike: the page was not committed; the agent pauses the source and raises an alert. */
  onSpike(stream: string, why: string): void;
}

export interface CaptureLoopOptions {
  source: Source;
  outbox: Outbox;
  status: StatusTracker;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** The source's IANA zone: the business day of records that carry none (Completeness). */
  timeZone?: string | undefined;
  /** Called after every commit so delivery starts at once (an urgent shift-close must not wait). */
  onCommitted: () => void;
  /** Called with the stream of every commit that carried records (expected arrivals watch for them). */
  onArrival?: (stream: string) => void;
  /** Shared by all sources: closed while the outbox is full. */
  gate: BackpressureGate;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Read times and business-hour windows; absent: read every `intervalMs`, always. */
  schedule?: ReadSchedule;
  /** Mapping, validation and quarantine; absent: records are queued as read. */
  pipeline?: CapturePipeline;
  /** A record that is only the ERP's import of a write-back: not sent back (agent-parts.ts isEcho). */
  isEcho?: (stream: string, record: SourceRecord) => boolean;
  /** A connect or read running longer is stuck: alert (default READ_STALL_ALERT_MS or the source's longer one). */
  readStallAlertMs?: number;
  /** Failing this long without a success: alert (default SOURCE_FAILING_ALERT_MS, failure-watch.ts). */
  failingAlertMs?: number;
  /** How long stop() waits for a read in progress (default STOP_WAIT_MS). */
  stopWaitMs?: number;
}

/**
 * Drives one source: read a page → commit records and checkpoint together → ack → repeat; wait for
 * the interval (or `syncNow`) when caught up. A full outbox pauses capture without acking, so the
 * source's position stays where the committed checkpoint is and nothing is dropped.
 */
export class CaptureLoop {
  private readonly options: CaptureLoopOptions;
  private readonly wakeup = new Wakeup();
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private paused = false;
  private connected = false;
  private failures = 0;
  private caughtUp = false;
  /** A person (or the cloud) asked for a read: it runs whatever the schedule says, until caught up. */
  private requested = false;
  /** Streams whose quarantine spike paused this loop. */
  private readonly spiked = new Set<string>();
  private readonly readWatch: ReadWatch;
  private readonly failureWatch: FailureWatch;

  /**
   * Before the loops start: stuck-read alerts of an earlier run (read-watch.ts), and failing-source
   * alerts of sources no longer configured (failure-watch.ts).
   */
  static clearLeftoverAlerts(outbox: Outbox, configured: readonly string[]): void {
    clearStalledAlerts(outbox);
    clearFailingAlertsOfRemovedSources(outbox, configured);
  }

  constructor(options: CaptureLoopOptions) {
    this.options = options;
    this.readWatch = new ReadWatch({
      source: options.source.name,
      alertAfterMs: options.readStallAlertMs ?? Math.max(READ_STALL_ALERT_MS, options.source.readStallAlertMs ?? 0),
      alerts: options.outbox,
      status: options.status,
      clock: options.clock,
      logger: options.logger,
    });
    this.failureWatch = new FailureWatch({
      source: options.source.name,
      alertAfterMs: options.failingAlertMs ?? SOURCE_FAILING_ALERT_MS,
      alerts: options.outbox,
      clock: options.clock,
    });
  }

  start(): void {
    this.readWatch.clear();
    this.options.schedule?.start(this.options.clock.now());
    this.running ??= this.loop();
  }

  /** Read now instead of at the next interval, inside a paused window or before the next read time too. */
  syncNow(): void {
    this.caughtUp = false;
    this.requested = true;
    this.wakeup.wake();
  }

  /** The source has something new: end the current wait (unlike syncNow, a schedule or pause still holds). */
  wake(): void {
    this.wakeup.wake();
  }

  /** True once a read since the last `syncNow` found nothing more to read. */
  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  setPaused(paused: boolean): void {
    // A person resuming after a quarantine spike has looked: the guards count afresh.
    if (this.paused && !paused) this.spiked.forEach((stream) => this.options.pipeline?.guard(stream)?.forgive());
    if (!paused) this.spiked.clear();
    this.paused = paused;
    this.options.status.setSourceState(this.options.source.name, paused ? 'paused' : 'starting');
    this.wakeup.wake();
  }

  /**
   * Waits for a read in progress up to `stopWaitMs`. A read stuck longer (a native ODBC call cannot
   * be interrupted) is left behind: whatever it returns is not committed, so it is read again at the
   * next start, and its connection is closed once it returns rather than under it.
   */
  /** `leftConfig`: the source was removed from the config, so its own alerts go with it (failure-watch.ts). */
  async stop(leftConfig = false): Promise<void> {
    this.abort.abort(new AgentError('stopping', 'The agent is stopping.'));
    this.wakeup.wake();
    const running = this.running?.catch(() => undefined);
    const waitMs = this.options.stopWaitMs ?? STOP_WAIT_MS;
    if (await settlesWithin(running, waitMs)) await this.closeSource();
    else {
      this.options.logger.warn(
        { errorType: 'read_left_running', stage: 'capture' },
        `A read of the source was still running after ${waitMs / 1000} s; stopping without it (nothing of it is committed: it is read again at the next start).`,
      );
      void running?.then(() => this.closeSource());
    }
    this.readWatch.stop();
    if (leftConfig) clearAlertsOfSource(this.options.outbox, this.options.source.name);
    this.options.status.setSourceState(this.options.source.name, 'stopped');
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      if (this.paused) {
        await this.wakeup.wait(60_000, signal);
        continue;
      }
      if (!this.scheduleAllowsRead()) {
        await this.wakeup.wait(this.waitMs(), signal);
        continue;
      }
      try {
        await this.ensureConnected(signal);
        if (signal.aborted) break;
        const caughtUp = await this.step(signal);
        this.failures = 0;
        if (caughtUp) {
          this.caughtUp = true;
          this.requested = false;
          this.options.schedule?.readDone(this.options.clock.now());
          this.publishSchedule();
          await this.idleWait(signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        await this.handleFailure(error, signal);
      }
    }
  }

  /** Checked before every page, so a window that opens mid-read pauses the read between pages. */
  private scheduleAllowsRead(): boolean {
    const { schedule, clock } = this.options;
    if (schedule === undefined || this.requested) return true;
    const now = clock.now();
    const allowed = schedule.readsAllowed(now) && schedule.isDue(now);
    this.publishSchedule();
    return allowed;
  }

  /**
   * The wait between reads. A source with changes that must not wait for the interval (an ODBC
   * source's shift closes) is asked every `idlePollMs` meanwhile, and what it finds is committed at
   * once. Not under a read schedule: its quiet hours hold for these small reads too.
   */
  private async idleWait(signal: AbortSignal): Promise<void> {
    const { source, clock, schedule } = this.options;
    const slice = source.idlePollMs;
    if (slice === undefined || source.idlePoll === undefined || schedule !== undefined) {
      await this.wakeup.wait(this.waitMs(), signal);
      return;
    }
    const until = clock.now() + this.waitMs();
    for (;;) {
      const left = until - clock.now();
      if (left <= 0 || signal.aborted) return;
      // Woken (sync now, new data, pause, stop), also by a wake that came while the poll ran: back to the loop, which decides.
      if ((await this.wakeup.wait(Math.min(slice, left), signal)) || this.paused) return;
      // Held back (queue full, backpressure): nothing could be committed now.
      if (!this.options.gate.isOpen() || !this.options.outbox.hasRoomFor()) continue;
      const found = await this.readWatch.watch(source.idlePoll(signal));
      if (signal.aborted) return;
      // Committed like a read's page; the table streams wait for their interval as before.
      if (found !== null) await this.settle(found, signal);
    }
  }

  private waitMs(): number {
    const { schedule, clock, intervalMs } = this.options;
    return schedule === undefined ? intervalMs : schedule.waitMs(clock.now(), intervalMs);
  }

  private publishSchedule(): void {
    const { schedule, status, source, clock } = this.options;
    if (schedule !== undefined) status.setSourceSchedule(source.name, schedule.status(clock.now()));
  }

  /** One read-commit-ack step; true when there is nothing more to read right now. */
  private async step(signal: AbortSignal): Promise<boolean> {
    const { source, outbox, status } = this.options;
    if (!this.options.gate.isOpen() || !outbox.hasRoomFor()) {
      if (!outbox.hasRoomFor()) this.options.gate.close();
      await this.wakeup.wait(500, signal);
      return false;
    }
    const result = await this.readWatch.watch(source.read(signal));
    // Stopped while reading: not committed, not acked (the next start reads it again).
    if (signal.aborted) return false;
    if (result === null) {
      status.sourceSucceeded(source.name, 0);
      this.failureWatch.succeeded();
      return true;
    }
    return this.settle(result, signal);
  }

  /** A read's page through the pipeline into the outbox; true when the source said it caught up. */
  private async settle(result: ReadResult, signal: AbortSignal): Promise<boolean> {
    const isEcho = this.options.isEcho;
    const records = isEcho === undefined ? result.records : result.records.filter((r) => !isEcho(result.stream, r));
    const page = await this.options.pipeline?.process(records);
    if (page !== undefined && this.spikes(result, page)) return false;
    if (!this.commit(result, page, records)) {
      await this.wakeup.wait(1000, signal);
      return false;
    }
    return result.caughtUp;
  }

  /** True when committing the page would be a quarantine spike: it is left unacked and the source paused. */
  private spikes(result: ReadResult, page: ProcessedPage): boolean {
    const { pipeline, logger, clock } = this.options;
    if (page.warnings.length > 0) {
      logger.warn({ stream: result.stream, warnings: page.warnings.slice(0, 5) }, `${page.warnings.length} warnings in a page of ${result.stream}.`);
    }
    const why = pipeline?.guard(result.stream)?.judge(page.records.length, page.quarantine.size, clock.now()) ?? null;
    if (why === null) return false;
    this.spiked.add(result.stream);
    pipeline!.onSpike(result.stream, why);
    return true;
  }

  private commit(result: ReadResult, page: ProcessedPage | undefined, records: SourceRecord[]): boolean {
    const { source, outbox, status } = this.options;
    faultPoint('capture.before-commit');
    try {
      outbox.enqueue({
        source: source.name,
        stream: result.stream,
        lane: result.lane,
        records: page?.records ?? records,
        quarantine: page?.quarantine,
        schemaVersion: this.options.pipeline?.schemaVersion(result.stream),
        checkpoint: result.checkpoint,
        checkpointParts: result.checkpointParts,
        timeZone: this.options.timeZone,
        fileSha256: result.fileSha256,
        shiftCloses: result.shiftCloses,
      });
    } catch (error) {
      if (error instanceof OutboxFullError) {
        // Not acked: the source re-reads the same page once there is room again.
        this.options.gate.close(error);
        return false;
      }
      throw error;
    }
    faultPoint('capture.after-commit');
    result.ack();
    status.sourceSucceeded(source.name, result.records.length);
    this.failureWatch.succeeded();
    if (page !== undefined && page.quarantine.size > 0) {
      this.options.logger.warn({ stream: result.stream, quarantined: page.quarantine.size }, `${page.quarantine.size} of ${result.records.length} records of ${result.stream} were quarantined (tya-agent quarantine list).`);
    }
    if (result.records.length > 0) {
      this.options.onArrival?.(result.stream);
      this.options.onCommitted();
    }
    return true;
  }

  private async ensureConnected(signal: AbortSignal): Promise<void> {
    if (this.connected) return;
    await this.readWatch.watch(this.options.source.connect(signal));
    this.connected = true;
    this.options.logger.info('Connected to the source.');
  }

  private async handleFailure(error: unknown, signal: AbortSignal): Promise<void> {
    const { source, status, logger } = this.options;
    const described = describeError(error);
    status.sourceFailed(source.name, described);
    // Stopped streams beside healthy ones: the source reads; each stream has its own alert.
    if (error instanceof StreamsStoppedError) this.failureWatch.succeeded();
    else this.failureWatch.failed(described);
    this.failures += 1;
    if (error instanceof AgentError) {
      logger.warn(
        { errorType: described.code, stage: 'capture', hint: error.hint },
        `Reading failed: ${described.message}`,
      );
    } else {
      // Not an expected failure: a bug. Keep the stack for the report, keep the other sources running.
      logger.error({ errorType: 'internal_error', stage: 'capture', err: error }, 'Reading failed unexpectedly.');
    }
    if (error instanceof NotConnectedError || !(error instanceof AgentError) || error instanceof PermanentError) {
      await this.closeSource();
    }
    await this.wakeup.wait(this.backoffMs(error), signal).catch(() => undefined);
  }

  private backoffMs(error: unknown): number {
    if (error instanceof BackOffError) return error.waitMs;
    const base = this.options.reconnectBaseMs ?? 1000;
    const max = this.options.reconnectMaxMs ?? 60_000;
    // A permanent error needs a person; re-check once a minute so a fixed config is picked up.
    if (error instanceof PermanentError) return max;
    return Math.min(max, base * 2 ** Math.min(this.failures, 10)) * (0.5 + Math.random() / 2);
  }

  private async closeSource(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.options.source.close().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, 'Closing the source failed.');
    });
  }
}

/** True when `promise` settles within `ms` (or there is none). */
async function settlesWithin(promise: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (promise === undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
