/**
 * A producer as a POS publishes to its queue: small bursts at a steady pace, persistent, each burst
 * confirmed before the next. When the broker goes away it reconnects and publishes the unconfirmed
 * burst again with the same message ids (at least once, as real producers do; the source drops the
 * repeats by id). Used by the broker-restart tests, where the stream must still be flowing when the
 * broker stops.
 */
import amqp from 'amqplib';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';

export interface ProducedMessage {
  body: string;
  options: Options.Publish;
}

export interface Producer {
  /** Messages confirmed by the broker so far. */
  readonly confirmed: number;
  /** Bursts that had to be published again after the broker went away. */
  readonly resent: number;
  /** Resolves when every message was confirmed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export function startProducer(options: {
  url: string;
  queue: string;
  messages: readonly ProducedMessage[];
  burst: number;
  everyMs: number;
}): Producer {
  let confirmed = 0;
  let resent = 0;
  let stopped = false;
  let model: ChannelModel | null = null;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const open = async (): Promise<ConfirmChannel> => {
    for (;;) {
      if (stopped) throw new Error('producer stopped');
      try {
        const connected = await amqp.connect(options.url, { timeout: 2000 });
        connected.on('error', () => undefined);
        model = connected;
        const channel = await connected.createConfirmChannel();
        channel.on('error', () => undefined);
        return channel;
      } catch {
        await sleep(200); // the broker is away: try again soon
      }
    }
  };

  const run = async (): Promise<void> => {
    let channel = await open();
    for (let from = 0; from < options.messages.length && !stopped; ) {
      const burst = options.messages.slice(from, from + options.burst);
      try {
        for (const message of burst) channel.sendToQueue(options.queue, Buffer.from(message.body, 'utf8'), { ...message.options, persistent: true });
        await channel.waitForConfirms();
        confirmed += burst.length;
        from += burst.length;
        await sleep(options.everyMs);
      } catch {
        resent += 1;
        await model?.close().catch(() => undefined);
        channel = await open();
      }
    }
    await model?.close().catch(() => undefined);
  };

  const done = run();
  done.catch(() => undefined);
  return {
    get confirmed() {
      return confirmed;
    },
    get resent() {
      return resent;
    },
    done,
    async stop() {
      stopped = true;
      await done.catch(() => undefined);
    },
  };
}
