/**
 * Reads tables over ODBC by keyset pagination on `(cursorColumn, keyColumns…)`: each `read()` is
 * one bounded page of one stream, streams take turns, and a stream's position moves only when the
 * engine acks the page (after the records and the checkpoint committed together).
 *
 * Rows whose cursor column is NULL are never read (no position can come after them); `check()`
 * reports when a table has such rows. A row inserted later with a cursor value equal to the last
 * position's and a smaller key is also not seen: cursor columns must grow on every change.
 */
import type { OdbcSourceConfig, OdbcStreamConfig } from '../../api/index.ts';
import { isoNow } from '../../pipeline/clock.ts';
import { AgentError, NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import type { CheckResult, ReadResult, Source, SourceContext } from '../../pipeline/source.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { describeTarget, namedDriver, withPassword } from './connection-string.ts';
import type { Dialect } from './dialects/index.ts';
import { dialectFor } from './dialects/index.ts';
import type { Position, StreamPlan } from './keyset-query.ts';
import type { OdbcConnection, OdbcDriver } from './odbc-driver.ts';
import { nodeOdbcDriver } from './odbc-driver.ts';
import { connectError, queryError } from './odbc-errors.ts';
import { readPage } from './page-reader.ts';
import { parsePosition, positionJson } from './position.ts';
import { checkStreams, withHint } from './source-check.ts';
import { planStream } from './stream-plan.ts';
import { isKnownTimeZone } from './zoned-time.ts';

const LOGIN_TIMEOUT_SECS = 15;

interface StreamState {
  config: OdbcStreamConfig;
  plan: StreamPlan;
  /** Read a page shorter than pageRows in the current pass: skip it until every stream has. */
  caughtUp: boolean;
}

export class OdbcSource implements Source {
  readonly name: string;
  readonly type = 'odbc';
  readonly #config: OdbcSourceConfig;
  readonly #ctx: SourceContext;
  readonly #driver: OdbcDriver;
  readonly #dialect: Dialect;
  readonly #logger: Logger;
  #connection: OdbcConnection | null = null;
  #streams: StreamState[] = [];
  /** Acked positions by stream; they outlive a reconnect, the committed checkpoints seed them. */
  readonly #positions = new Map<string, Position>();
  #turn = 0;

  constructor(config: OdbcSourceConfig, ctx: SourceContext, driver: OdbcDriver = nodeOdbcDriver) {
    this.name = config.name;
    this.#config = config;
    this.#ctx = ctx;
    this.#driver = driver;
    this.#dialect = dialectFor(config.dialect);
    this.#logger = ctx.logger.child({ component: 'source.odbc', source: config.name });
  }

  async connect(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    await this.close();
    this.#assertTimeZone();
    const connection = await this.#open();
    try {
      const streams: StreamState[] = [];
      for (const stream of this.#config.streams) {
        signal.throwIfAborted();
        const plan = await planStream(connection, this.#dialect, this.name, stream);
        if (!this.#positions.has(stream.name)) {
          const saved = this.#ctx.checkpoints.getCheckpoint(this.name, stream.name);
          this.#positions.set(stream.name, parsePosition(saved, this.name, stream));
        }
        streams.push({ config: stream, plan, caughtUp: false });
      }
      this.#connection = connection;
      this.#streams = streams;
      this.#turn = 0;
      this.#logger.info(
        { streams: streams.length, target: describeTarget(this.#config.connectionString) },
        `Connected to ${this.#dialect.productName}; ${streams.length} stream(s) ready.`,
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
    for (;;) {
      const state = this.#nextStream();
      if (state === null) {
        this.#startPass();
        return null;
      }
      signal.throwIfAborted();
      const from = this.#positions.get(state.config.name)!;
      const page = await this.#readPage(connection, state, from);
      if (page.rows < state.config.pageRows) state.caughtUp = true;
      if (page.records.length === 0) continue;
      const caughtUp = this.#streams.every((stream) => stream.caughtUp);
      if (caughtUp) this.#startPass();
      const streamName = state.config.name;
      let acked = false;
      return {
        stream: streamName,
        lane: state.config.lane,
        records: page.records,
        checkpoint: positionJson(page.next),
        caughtUp,
        ack: () => {
          // Only from the position this page was read from: a late or repeated ack never moves back.
          if (acked || this.#positions.get(streamName) !== from) return;
          acked = true;
          this.#positions.set(streamName, page.next);
        },
      };
    }
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
      this.#assertTimeZone();
      connection = await this.#open();
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      return { ok: false, code: error.code, message: withHint(error) };
    }
    try {
      return await checkStreams({ connection, dialect: this.#dialect, config: this.#config, signal });
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  async #open(): Promise<OdbcConnection> {
    let connectionString = this.#config.connectionString;
    let password: string | undefined;
    if (this.#config.password !== undefined) {
      password = await this.#ctx.secrets.resolve(this.#config.password.secretRef);
      connectionString = withPassword(connectionString, password);
    }
    let connection: OdbcConnection;
    try {
      connection = await this.#driver.connect({ connectionString, loginTimeoutSecs: LOGIN_TIMEOUT_SECS });
    } catch (error) {
      throw connectError(error, {
        dialect: this.#dialect,
        source: this.name,
        target: describeTarget(this.#config.connectionString),
        driver: namedDriver(this.#config.connectionString),
        ...(password === undefined ? {} : { password }),
      });
    }
    try {
      for (const sql of this.#dialect.sessionSetup) await connection.query(sql);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw connectError(error, {
        dialect: this.#dialect,
        source: this.name,
        target: describeTarget(this.#config.connectionString),
        driver: namedDriver(this.#config.connectionString),
      });
    }
    return connection;
  }

  async #readPage(connection: OdbcConnection, state: StreamState, from: Position) {
    try {
      return await readPage({
        connection,
        dialect: this.#dialect,
        plan: state.plan,
        position: from,
        pageRows: state.config.pageRows,
        timeZone: this.#config.timeZone,
        capturedAt: isoNow(this.#ctx.clock),
      });
    } catch (error) {
      const classified = queryError(error, {
        dialect: this.#dialect,
        source: this.name,
        stream: state.config.name,
        table: state.plan.table.displayName,
      });
      if (classified instanceof NotConnectedError) await this.close();
      this.#logger.warn(
        { stream: state.config.name, errorType: classified.code, stage: 'read' },
        `Reading stream "${state.config.name}" failed: ${classified.message}`,
      );
      throw classified;
    }
  }

  /** The next stream in turn that has not caught up in this pass, or null when none is left. */
  #nextStream(): StreamState | null {
    for (let i = 0; i < this.#streams.length; i += 1) {
      const index = (this.#turn + i) % this.#streams.length;
      const state = this.#streams[index]!;
      if (!state.caughtUp) {
        this.#turn = (index + 1) % this.#streams.length;
        return state;
      }
    }
    return null;
  }

  #startPass(): void {
    for (const state of this.#streams) state.caughtUp = false;
  }

  #assertTimeZone(): void {
    if (!isKnownTimeZone(this.#config.timeZone)) {
      throw new PermanentError(
        'odbc_bad_time_zone',
        `Source "${this.name}": timeZone "${this.#config.timeZone}" is not an IANA time zone this system knows.`,
        { hint: 'Use a name such as "Europe/Berlin" or "America/New_York" (the zone the database clock shows).' },
      );
    }
  }
}
