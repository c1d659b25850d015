/**
 * Reads tables over ODBC, each stream in its mode (cursor, append, snapshot; see README.md): each
 * `read()` is one bounded batch of one stream, streams take turns, and a stream's state moves only
 * when the engine acks the batch (after its records and checkpoint committed together).
 *
 * One stream's trouble stays that stream's: a table whose columns changed (schema drift), went
 * missing, or holds a NULL key stops that stream only, with a PermanentError naming the table and
 * column; the others keep running, and the stopped ones are reported at the end of every pass
 * (stream-health.ts). At the start of every round each stream's columns are compared with what it
 * was planned with (one catalog query), so a change is caught before a row is read with a stale
 * plan; a stopped stream is looked at again each pass and resumes once its table is as it was.
 */
import type { OdbcSourceConfig, OdbcStreamConfig } from '../../api/index.ts';
import { isoNow } from '../../pipeline/clock.ts';
import { AgentError, BackOffError, NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import type { CheckResult, ReadResult, Source, SourceContext } from '../../pipeline/source.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { describeTarget } from './connection-string.ts';
import type { Dialect, RowHashSql } from './dialects/index.ts';
import { dialectFor } from './dialects/index.ts';
import { DocumentStreams, withDocumentChecks } from './documents/index.ts';
import type { OdbcConnection, OdbcDriver } from './odbc-driver.ts';
import { nodeOdbcDriver } from './odbc-driver.ts';
import { queryError } from './odbc-errors.ts';
import { openConnection } from './open-connection.ts';
import { createReader } from './reader-factory.ts';
import type { SchemaChange } from './schema-drift.ts';
import { describeChange } from './schema-drift.ts';
import { resolveRowHash } from './snapshot/row-hash-sql.ts';
import { checkStreams, withHint } from './source-check.ts';
import { StreamAlerts } from './stream-alerts.ts';
import { stoppedStreamsError } from './stream-health.ts';
import { planTable } from './stream-plan.ts';
import type { ReadContext, StreamBatch, StreamReader } from './stream-reader.ts';
import type { StreamSettings } from './stream-settings.ts';
import { roundDue, streamSettings } from './stream-settings.ts';
import type { TableCheckContext } from './table-check.ts';
import { driftBehind, openTable, recheckTable } from './table-check.ts';

interface Slot {
  config: OdbcStreamConfig;
  settings: StreamSettings;
  /** Null while the stream could not be planned at all. */
  reader: StreamReader | null;
  /** Why the stream stopped; null while it runs. */
  broken: PermanentError | null;
  /** Finished its part of the current pass (caught up, not due, or stopped). */
  passDone: boolean;
  /** Its round in this pass has begun (columns checked). */
  roundBegun: boolean;
  lastRoundAt: number | null;
}

export class OdbcSource implements Source {
  readonly name: string;
  readonly type = 'odbc';
  /** Reads under a longer query time limit than the agent's stuck-read alert are not stuck before it. */
  readonly readStallAlertMs: number | undefined;
  readonly #config: OdbcSourceConfig;
  readonly #ctx: SourceContext;
  readonly #driver: OdbcDriver;
  readonly #dialect: Dialect;
  readonly #logger: Logger;
  /** POS shift closes (documents/): polled before each batch of the table streams. */
  readonly #documents: DocumentStreams;
  #connection: OdbcConnection | null = null;
  #slots: Slot[] = [];
  #turn = 0;
  #rowHash: RowHashSql | undefined;
  readonly #streamAlerts: StreamAlerts;

  constructor(config: OdbcSourceConfig, ctx: SourceContext, driver: OdbcDriver = nodeOdbcDriver) {
    this.name = config.name;
    this.readStallAlertMs = config.queryTimeoutSecs > 0 ? (config.queryTimeoutSecs + 60) * 1000 : undefined;
    this.#config = config;
    this.#ctx = ctx;
    this.#driver = driver;
    this.#dialect = dialectFor(config.dialect);
    this.#logger = ctx.logger.child({ component: 'source.odbc', source: config.name });
    this.#documents = new DocumentStreams(config, ctx, this.#dialect);
    this.#streamAlerts = new StreamAlerts(config.name, config.streams.map((s) => s.name), ctx.alerts);
  }

  async connect(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.close();
    const connection = await this.#open();
    try {
      const slots: Slot[] = [];
      for (const config of this.#config.streams) {
        signal.throwIfAborted();
        const slot: Slot = {
          config,
          settings: streamSettings(config),
          reader: null,
          broken: null,
          passDone: false,
          roundBegun: false,
          // A stream read at set times starts with the next one when missed runs are skipped.
          lastRoundAt: config.readAt !== undefined && this.#config.schedule?.missedRuns === 'skip' ? this.#ctx.clock.now() : null,
        };
        try {
          slot.reader = await this.#openReader(connection, slot);
        } catch (error) {
          if (!(error instanceof PermanentError)) throw error;
          this.#markBroken(slot, error, 'plan');
        }
        slots.push(slot);
      }
      await this.#documents.prepare(connection, signal);
      const snapshots = slots.some((slot) => slot.settings.mode === 'snapshot');
      this.#rowHash = snapshots ? await resolveRowHash(connection, this.#dialect) : undefined;
      this.#connection = connection;
      this.#slots = slots;
      this.#turn = 0;
      const running = slots.filter((slot) => slot.broken === null).length;
      this.#logger.info(
        { streams: slots.length, target: describeTarget(this.#config.connectionString) },
        `Connected to ${this.#dialect.productName}; ${running} of ${slots.length} stream(s) ready.`,
      );
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async read(signal: AbortSignal): Promise<ReadResult | null> {
    signal.throwIfAborted();
    const connection = this.#connection;
    if (connection === null) {
      throw new NotConnectedError('odbc_not_connected', `Source "${this.name}" is not connected.`);
    }
    // Shift closes first: one is found within pollSecs even while a table stream loads a backlog.
    const document = await this.#documents.poll(connection, signal);
    if (document !== null) return document;
    for (;;) {
      const slot = this.#nextSlot();
      if (slot === null) {
        this.#startPass();
        const stopped = this.#stoppedError();
        if (stopped !== null) throw stopped;
        return null;
      }
      signal.throwIfAborted();
      const batch = await this.#readSlot(connection, slot, signal);
      if (batch === null) continue;
      this.#streamAlerts.readWell(slot.config.name);
      if (batch.done) slot.passDone = true;
      if (!batch.mustCommit) {
        batch.apply();
        continue;
      }
      // With a stopped stream the pass ends in its report (the next read), not in "caught up".
      const caughtUp = this.#slots.every((s) => s.passDone) && this.#slots.every((s) => s.broken === null);
      if (caughtUp) this.#startPass();
      return {
        stream: slot.config.name,
        lane: slot.config.lane,
        records: batch.records,
        checkpoint: batch.checkpoint,
        ...(batch.checkpointParts !== undefined && { checkpointParts: batch.checkpointParts }),
        caughtUp,
        ack: () => batch.apply(),
      };
    }
  }

  /** Between passes too: a till's shift close is captured within `pollSecs`, not at the next `intervalSecs`. */
  get idlePollMs(): number | undefined {
    return this.#documents.pollMs ?? undefined;
  }

  /** Only the shift closes (documents/), while the table streams wait for their next pass. */
  async idlePoll(signal: AbortSignal): Promise<ReadResult | null> {
    signal.throwIfAborted();
    const connection = this.#connection;
    if (connection === null) throw new NotConnectedError('odbc_not_connected', `Source "${this.name}" is not connected.`);
    return this.#documents.poll(connection, signal);
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = null;
    if (connection !== null) {
      await connection.close().catch((error: unknown) => {
        this.#logger.debug({ err: error }, 'Closing the ODBC connection failed; it is dropped anyway.');
      });
    }
  }

  async check(signal: AbortSignal): Promise<CheckResult> {
    signal.throwIfAborted();
    let connection: OdbcConnection;
    try {
      connection = await this.#open();
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      return { ok: false, code: error.code, message: withHint(error) };
    }
    try {
      const streams = await checkStreams({ connection, dialect: this.#dialect, config: this.#config, signal });
      return withDocumentChecks(streams, await this.#documents.check(connection, signal));
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Plans a stream against the catalog and its checkpoint; drift since the checkpoint stops it. */
  async #openReader(connection: OdbcConnection, slot: Slot): Promise<StreamReader> {
    const { config } = slot;
    const saved = this.#ctx.checkpoints.getCheckpoint(this.name, config.name);
    const { table, added } = await openTable(this.#tableContext(connection, slot), saved);
    this.#warnAdded(slot, added, table.displayName);
    const plan = planTable(table, this.name, config);
    const loadPart = (id: string) => this.#ctx.checkpoints.getCheckpointPart(this.name, config.name, id);
    return createReader({ source: this.name, config, settings: slot.settings, plan, saved, loadPart, timeZone: this.#config.timeZone });
  }

  #tableContext(connection: OdbcConnection, slot: Slot): TableCheckContext {
    return { connection, dialect: this.#dialect, source: this.name, stream: slot.config };
  }

  /** Added columns are read from now on: said once, as a warning. */
  #warnAdded(slot: Slot, added: SchemaChange[], table: string): void {
    if (added.length === 0) return;
    this.#logger.warn(
      { stream: slot.config.name, errorType: 'schema_columns_added', stage: 'plan' },
      `Stream "${slot.config.name}": ${added.map(describeChange).join('; ')} in table ${table}; ` +
        'its values are included in the records from now on.',
    );
  }

  /** The zone of the streams' read times: the schedule's, else the source's own. */
  get #scheduleZone(): string {
    return this.#config.schedule?.timeZone ?? this.#config.timeZone;
  }

  /** One batch of a slot, or null when it has nothing this pass (not due, or stopped now). */
  async #readSlot(connection: OdbcConnection, slot: Slot, signal: AbortSignal): Promise<StreamBatch | null> {
    if (!slot.roundBegun && !(await this.#beginRound(connection, slot))) {
      slot.passDone = true;
      return null;
    }
    const context: ReadContext = {
      connection,
      dialect: this.#dialect,
      rowHash: this.#rowHash,
      timeZone: this.#config.timeZone,
      capturedAt: isoNow(this.#ctx.clock),
      now: () => this.#ctx.clock.now(),
      signal,
    };
    try {
      return await slot.reader!.read(context);
    } catch (error) {
      await this.#streamFailed(connection, slot, error);
      slot.passDone = true;
      return null;
    }
  }

  /** Checks the table's columns against the plan (cheap catalog query); false when the stream cannot run. */
  async #beginRound(connection: OdbcConnection, slot: Slot): Promise<boolean> {
    const now = this.#ctx.clock.now();
    if (slot.lastRoundAt !== null && slot.broken === null && !roundDue(slot.settings, this.#scheduleZone, slot.lastRoundAt, now)) {
      return false;
    }
    slot.roundBegun = true;
    slot.lastRoundAt = now;
    try {
      if (slot.reader === null) {
        slot.reader = await this.#openReader(connection, slot);
      } else {
        const { table, added } = await recheckTable(this.#tableContext(connection, slot), slot.reader.plan.table);
        if (added.length > 0) {
          this.#warnAdded(slot, added, table.displayName);
          slot.reader.replan(planTable(table, this.name, slot.config));
        }
      }
    } catch (error) {
      if (error instanceof NotConnectedError) await this.close();
      if (!(error instanceof PermanentError)) throw error;
      this.#markBroken(slot, error, 'plan');
      return false;
    }
    if (slot.broken !== null) {
      this.#logger.info({ stream: slot.config.name }, `Stream "${slot.config.name}" runs again: its table is readable as planned.`);
      slot.broken = null;
    }
    slot.reader.startRound();
    return true;
  }

  /** A stream's read failed: the connection or a busy server concern the source; anything else the stream. */
  async #streamFailed(connection: OdbcConnection, slot: Slot, error: unknown): Promise<void> {
    const isDriverError = error instanceof AgentError || (error as { odbcErrors?: unknown } | null)?.odbcErrors !== undefined;
    if (!isDriverError) throw error; // a bug: let it crash and be reported
    const table = slot.reader!.plan.table.displayName;
    const classified = queryError(error, { dialect: this.#dialect, source: this.name, stream: slot.config.name, table });
    if (classified instanceof NotConnectedError) {
      await this.close();
      throw classified;
    }
    if (classified instanceof BackOffError) throw classified;
    // A query that fails may be the table changing under the stream: say so when it is.
    const drift = await driftBehind(this.#tableContext(connection, slot), slot.reader!.plan.table);
    if (drift !== null) {
      this.#markBroken(slot, drift, 'read');
      return;
    }
    if (classified instanceof PermanentError) {
      this.#markBroken(slot, classified, 'read');
      return;
    }
    this.#logger.warn(
      { stream: slot.config.name, errorType: classified.code, stage: 'read' },
      `Reading stream "${slot.config.name}" failed: ${classified.message}`,
    );
    throw classified;
  }

  #markBroken(slot: Slot, error: PermanentError, stage: string): void {
    if (slot.broken?.message !== error.message) {
      this.#logger.error(
        { stream: slot.config.name, errorType: error.code, stage, hint: error.hint },
        `Stream "${slot.config.name}" stopped: ${error.message}`,
      );
      this.#streamAlerts.stopped(slot.config.name, error);
    }
    slot.broken = error;
  }

  #stoppedError(): AgentError | null {
    const stopped = this.#slots.flatMap((slot) => (slot.broken === null ? [] : [{ stream: slot.config.name, error: slot.broken }]));
    return stoppedStreamsError(stopped, this.#slots.length, this.#config.intervalSecs * 1000);
  }

  #open(): Promise<OdbcConnection> {
    return openConnection({ config: this.#config, ctx: this.#ctx, driver: this.#driver, dialect: this.#dialect });
  }

  /** The next stream in turn that has not finished this pass, or null when none is left. */
  #nextSlot(): Slot | null {
    for (let i = 0; i < this.#slots.length; i += 1) {
      const index = (this.#turn + i) % this.#slots.length;
      const slot = this.#slots[index]!;
      if (!slot.passDone) {
        this.#turn = (index + 1) % this.#slots.length;
        return slot;
      }
    }
    return null;
  }

  #startPass(): void {
    for (const slot of this.#slots) {
      slot.passDone = false;
      slot.roundBegun = false;
    }
  }
}
