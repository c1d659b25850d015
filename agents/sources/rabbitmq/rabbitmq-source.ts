/**
 * RabbitMQ queue → one stream (docs/rabbitmq.md). read() hands the engine up to `pageRows` delivered
 * messages; ack() acks them on the broker only after the records and the checkpoint (which carries the
 * recently seen message ids) committed in one outbox transaction. A crash before the ack makes the
 * broker redeliver; the redelivered ids are found in the committed checkpoint and dropped.
 */
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';

interface AmqpModule {
  connect(url: string, socketOptions?: unknown): Promise<ChannelModel>;
}
import type { RabbitmqSourceConfig } from '../../api/index.ts';
import { NotConnectedError, PermanentError, describeError } from '../../pipeline/errors.ts';
import type { CheckResult, ReadResult, Source, SourceContext } from '../../pipeline/source.ts';
import { mapMessage } from './message-record.ts';
import { SeenIds } from './seen-ids.ts';

const EMPTY_WAIT_MS = 1000;

export class RabbitmqSource implements Source {
  readonly type = 'rabbitmq';
  readonly name: string;
  private readonly config: RabbitmqSourceConfig;
  private readonly ctx: SourceContext;
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private buffer: ConsumeMessage[] = [];
  private broken: string | null = null;
  private wakeReader: (() => void) | null = null;
  private seen: SeenIds;
  /** Poison messages seen since start (status/tests). */
  poisoned = 0;

  constructor(config: RabbitmqSourceConfig, ctx: SourceContext) {
    this.config = config;
    this.ctx = ctx;
    this.name = config.name;
    this.seen = new SeenIds(config.rememberIds, undefined);
  }

  async connect(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const { config } = this;
    const password = config.password === undefined ? undefined : await this.ctx.secrets.resolve(config.password.secretRef);
    let model: ChannelModel;
    try {
      model = await (await loadAmqp()).connect(withPassword(config.url, password), { timeout: 10_000 });
    } catch (error) {
      // describeError of amqplib never echoes the URL's password (it was only in our string).
      throw new NotConnectedError('rabbitmq_unreachable', `Cannot connect to RabbitMQ at ${config.url}: ${describeError(error).message}`, {
        hint: 'Check that the broker runs, the URL (source "' + config.name + '", field url) and the password in the keychain.',
        cause: error,
      });
    }
    this.model = model;
    this.broken = null;
    this.buffer = [];
    model.on('error', () => undefined);
    model.on('close', () => this.markBroken('the broker closed the connection'));
    try {
      const channel = await model.createConfirmChannel();
      this.channel = channel;
      channel.on('error', () => undefined);
      channel.on('close', () => this.markBroken('the channel closed'));
      await channel.prefetch(config.prefetch);
      // The committed ids are the truth after any restart or reconnect.
      this.seen = new SeenIds(config.rememberIds, this.ctx.checkpoints.getCheckpoint(config.name, config.stream));
      await channel.consume(config.queue, (message) => this.onMessage(message), { noAck: false });
    } catch (error) {
      await this.close();
      const text = describeError(error).message;
      if (/404|NOT_FOUND/.test(text)) {
        throw new PermanentError('rabbitmq_queue_missing', `The queue "${config.queue}" does not exist on the broker.`, {
          hint: `Declare it on the broker or fix field queue of source "${config.name}".`,
        });
      }
      throw new NotConnectedError('rabbitmq_channel_failed', `Opening a channel on RabbitMQ failed: ${text}`, { cause: error });
    }
  }

  private onMessage(message: ConsumeMessage | null): void {
    if (message === null) this.markBroken('the broker cancelled the consumer (queue deleted?)');
    else this.buffer.push(message);
    this.wakeReader?.();
    this.ctx.wake?.();
  }

  private markBroken(why: string): void {
    this.broken ??= why;
    this.wakeReader?.();
  }

  async read(signal: AbortSignal): Promise<ReadResult | null> {
    if (this.buffer.length === 0 && this.broken === null) await this.waitForMessage(signal);
    if (this.broken !== null) {
      // Unacked deliveries come back from the broker after the reconnect; the buffer is worthless now.
      this.buffer = [];
      throw new NotConnectedError('rabbitmq_disconnected', `Lost the RabbitMQ connection: ${this.broken}.`, {
        hint: 'The agent reconnects on its own; check the broker if this repeats.',
      });
    }
    const channel = this.channel;
    if (this.buffer.length === 0 || channel === null) return null;
    const page = this.buffer.splice(0, this.config.pageRows);
    return this.buildPage(channel, page);
  }

  private async buildPage(channel: ConfirmChannel, page: ConsumeMessage[]): Promise<ReadResult> {
    const { config } = this;
    const nowIso = new Date(this.ctx.clock.now()).toISOString();
    const records: ReadResult['records'] = [];
    const newIds: string[] = [];
    const inPage = new Set<string>();
    const rejected: ConsumeMessage[] = [];
    const settled: ConsumeMessage[] = [];
    let deadLettered = 0;
    let dropped = 0;
    let poisonedHere = 0;
    for (const message of page) {
      const mapped = mapMessage(config, { ...message.properties, content: message.content }, nowIso);
      if (this.seen.has(mapped.id) || inPage.has(mapped.id)) {
        settled.push(message); // already committed: ack and drop
        dropped += 1;
        continue;
      }
      inPage.add(mapped.id);
      newIds.push(mapped.id);
      if (mapped.ok) {
        records.push(mapped.record);
        settled.push(message);
        continue;
      }
      this.poisoned += 1;
      poisonedHere += 1;
      this.ctx.logger.warn({ stage: 'capture', messageId: mapped.id }, `Poison message on queue ${config.queue}: ${mapped.reason}.`);
      this.ctx.alerts?.raiseAlert({
        code: `rabbitmq_poison_${config.name}`,
        severity: 'warning',
        message: `Source ${config.name}: a message on queue ${config.queue} could not be used (${mapped.reason}); ${
          config.deadLetterExchange === undefined ? 'it was rejected (the queue\'s own dead-letter exchange gets it, if it has one)' : `it was sent to exchange ${config.deadLetterExchange}`
        }.`,
      });
      if (config.deadLetterExchange === undefined) {
        rejected.push(message);
      } else {
        channel.publish(config.deadLetterExchange, config.queue, message.content, {
          ...message.properties,
          headers: { ...(message.properties.headers ?? {}), 'x-tya-reason': mapped.reason, 'x-tya-source': config.name },
          messageId: mapped.id,
          persistent: true,
        });
        settled.push(message);
        deadLettered += 1;
      }
    }
    if (deadLettered > 0) await channel.waitForConfirms();
    const next = this.seen.with(newIds);
    const last = settled.at(-1);
    return {
      stream: config.stream,
      lane: config.lane,
      records,
      checkpoint: next.toCheckpoint(),
      caughtUp: this.buffer.length === 0,
      ack: () => {
        this.seen = next;
        // Counted once the page committed: a crash before it redelivers the page and counts it then.
        if (dropped > 0) this.ctx.count?.('redeliveriesDropped', dropped);
        if (poisonedHere > 0) this.ctx.count?.('poisoned', poisonedHere);
        try {
          for (const message of rejected) channel.nack(message, false, false);
          // Every settled tag of the page is ≤ last: one frame acks them all.
          if (last !== undefined) channel.ack(last, true);
        } catch {
          // Channel gone between commit and ack: the broker redelivers, the committed ids drop them.
        }
      },
    };
  }

  private waitForMessage(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakeReader = null;
        resolve();
      };
      const timer = setTimeout(done, EMPTY_WAIT_MS);
      signal.addEventListener('abort', done, { once: true });
      this.wakeReader = done;
    });
  }

  /** "Test connection": log in and look at the queue without consuming (checkQueue is passive). */
  async check(signal: AbortSignal): Promise<CheckResult> {
    signal.throwIfAborted();
    const { config } = this;
    const password = config.password === undefined ? undefined : await this.ctx.secrets.resolve(config.password.secretRef);
    let model: ChannelModel | undefined;
    try {
      model = await (await loadAmqp()).connect(withPassword(config.url, password), { timeout: 10_000 });
      model.on('error', () => undefined);
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      const queue = await channel.checkQueue(config.queue);
      return { ok: true, message: `Connected to RabbitMQ; queue "${config.queue}" holds ${queue.messageCount} messages, ${queue.consumerCount} consumers.` };
    } catch (error) {
      const text = describeError(error).message;
      const missing = /404|NOT_FOUND/.test(text);
      return {
        ok: false,
        code: missing ? 'rabbitmq_queue_missing' : 'rabbitmq_unreachable',
        message: missing
          ? `The queue "${config.queue}" does not exist on the broker. Declare it or fix field queue of source "${config.name}".`
          : `Cannot use RabbitMQ at ${config.url}: ${text}. Check the URL, that the broker runs, and the password in the keychain.`,
      };
    } finally {
      await model?.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const model = this.model;
    this.model = null;
    this.channel = null;
    this.buffer = [];
    if (model !== null) await model.close().catch(() => undefined);
  }
}

/** The keychain password goes into the URL only in memory, never into config or logs. */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** amqplib is loaded when a RabbitMQ source first connects: agents without one never pay for it. */
async function loadAmqp(): Promise<AmqpModule> {
  return (await import('amqplib')).default;
}
