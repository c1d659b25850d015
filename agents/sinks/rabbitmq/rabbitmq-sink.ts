/**
 * Publishes a sink's queued records to a RabbitMQ exchange (docs/rabbitmq-sink.md): persistent
 * messages on a confirm channel, at most `inFlight` unconfirmed, each removed from the SQLite queue
 * only after the broker's confirm. Before a message is published its row is marked (durably), so
 * after a dropped connection or a restart every unconfirmed row is published again and counted as
 * republished. The broker being away only makes this loop wait and retry with backoff: capture and
 * cloud delivery never wait for it.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { RabbitmqSinkConfig } from '../../api/sink-config.ts';
import type { SinkMessage, SinkQueueStore, SinkState } from '../../outbox/sink-queue-store.ts';
import { describeError } from '../../pipeline/errors.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import type { Logger } from '../../telemetry/logger.ts';

interface AmqpModule {
  connect(url: string, socketOptions?: unknown): Promise<ChannelModel>;
}

/** How often an idle sink looks for newly committed records. */
const IDLE_POLL_MS = 200;

export interface RabbitmqSinkDeps {
  store: SinkQueueStore;
  secrets: SecretResolver;
  logger: Logger;
}

export class RabbitmqSink {
  readonly #config: RabbitmqSinkConfig;
  readonly #deps: RabbitmqSinkDeps;
  #stopped = false;
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #model: ChannelModel | null = null;

  constructor(config: RabbitmqSinkConfig, deps: RabbitmqSinkDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  get name(): string {
    return this.#config.name;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** New records were committed: publish them now instead of at the next poll. */
  wake(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#model?.close().catch(() => undefined);
    await this.#running;
  }

  async #run(): Promise<void> {
    const { retryMinMs, retryMaxMs } = this.#config;
    let delay = retryMinMs;
    while (!this.#stopped) {
      try {
        this.#setState('connecting');
        await this.#session();
        delay = retryMinMs;
      } catch (error) {
        if (this.#stopped) break;
        const message = describeError(error).message;
        this.#setState('waiting', `RabbitMQ sink "${this.#config.name}": ${message}`);
        this.#deps.logger.warn({ sink: this.#config.name, retryInMs: delay }, `RabbitMQ sink lost the broker: ${message}. Retrying.`);
        await this.#sleep(delay);
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
    this.#setState('stopped');
  }

  /** One connection: publish until it breaks (throws) or the sink stops (returns). */
  async #session(): Promise<void> {
    const config = this.#config;
    const password = config.password === undefined ? undefined : await this.#deps.secrets.resolve(config.password.secretRef);
    // The connection name lets the broker's operators (and the tests) find this sink's connection.
    const model = await (await loadAmqp()).connect(withPassword(config.url, password), {
      timeout: 10_000,
      clientProperties: { connection_name: `tya-agent sink ${config.name}` },
    });
    this.#model = model;
    // An object, not a variable: the callbacks set it while the loop below reads it.
    const lost: { error: Error | null } = { error: null };
    const breakWith = (why: string): void => {
      lost.error ??= new Error(why);
      this.#wake?.();
    };
    model.on('error', () => undefined);
    model.on('close', () => breakWith('the broker closed the connection'));
    const confirmed: number[] = [];
    // Row ids published in this session and not yet confirmed.
    const inFlight = new Set<number>();
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined);
      channel.on('close', () => breakWith('the channel closed'));
      if (config.declare) await channel.assertExchange(config.exchange, config.exchangeType, { durable: true });
      else await channel.checkExchange(config.exchange);
      this.#setState('connected');
      // Every row still in the queue is published in this session, from the oldest: the unconfirmed
      // ones of an earlier session or process first (they are older), then the new ones.
      let lastId = 0;
      while (!this.#stopped && lost.error === null) {
        this.#flush(confirmed);
        lastId = cursorAfterFlush(lastId, inFlight);
        const room = config.inFlight - inFlight.size;
        const batch = room > 0 ? this.#deps.store.next(config.name, lastId, room) : [];
        if (batch.length === 0) {
          await this.#sleep(IDLE_POLL_MS);
          continue;
        }
        this.#deps.store.markPublishing(config.name, batch);
        for (const message of batch) {
          lastId = message.id;
          inFlight.add(message.id);
          this.#publish(channel, message, (error) => {
            inFlight.delete(message.id);
            if (error === null) confirmed.push(message.id);
            else breakWith(`the broker did not confirm message ${message.messageId}: ${describeError(error).message}`);
            this.#wake?.();
          });
        }
      }
    } finally {
      this.#flush(confirmed);
      this.#model = null;
      await model.close().catch(() => undefined);
      // Confirms that came in while closing.
      this.#flush(confirmed);
    }
    if (lost.error !== null && !this.#stopped) throw lost.error;
  }

  #publish(channel: ConfirmChannel, message: SinkMessage, done: (error: Error | null) => void): void {
    channel.publish(
      this.#config.exchange,
      message.routingKey,
      Buffer.from(message.body, 'utf8'),
      {
        persistent: true,
        messageId: message.messageId,
        contentType: 'application/json',
        appId: 'tya-agent',
        type: message.stream,
        // Strings: a seq beyond 2^31 is not an AMQP int, and consumers compare them exactly.
        headers: { 'x-tya-source': message.source, 'x-tya-stream': message.stream, 'x-tya-op': message.op, 'x-tya-seq': String(message.seq) },
      },
      (error: unknown) => done(error === null || error === undefined ? null : error instanceof Error ? error : new Error(describeError(error).message)),
    );
  }

  #flush(confirmed: number[]): void {
    if (confirmed.length === 0) return;
    this.#deps.store.confirm(this.#config.name, confirmed.splice(0));
  }

  #setState(state: SinkState, error?: string): void {
    try {
      this.#deps.store.setState(this.#config.name, state, error);
    } catch {
      // The outbox closed under a stopping agent: the state is shown as it was.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
      if (this.#stopped) done();
    });
  }
}

/**
 * Where the next read of the queue starts, right after the confirmed rows were deleted. The queue's ids
 * are SQLite rowids without AUTOINCREMENT: a new row gets the largest id in the table plus one, so once
 * the rows at the top were confirmed and deleted (an emptied queue: id 1 again) new rows can get ids at
 * or below the last one published. Every row of this sink at or below the returned id is in flight in
 * this session (the others were confirmed and deleted), and a row inserted from now on gets an id above
 * every row still in the table, so above it too: reading after it misses nothing and repeats nothing.
 */
export function cursorAfterFlush(lastId: number, inFlight: ReadonlySet<number>): number {
  if (inFlight.has(lastId)) return lastId;
  let highest = 0;
  for (const id of inFlight) if (id > highest) highest = id;
  return highest;
}

/** The keychain password goes into the URL only in memory, never into config or logs. */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** amqplib is loaded when a RabbitMQ sink first connects: agents without one never pay for it. */
async function loadAmqp(): Promise<AmqpModule> {
  return (await import('amqplib')).default;
}
