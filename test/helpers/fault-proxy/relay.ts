import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** How one direction of a connection is shaped. At most one of delay/throttle is set by a fault, but both compose. */
export interface RelayShape {
  /** Milliseconds to hold a chunk after it arrives (latency plus jitter), drawn once per chunk. */
  delayMs?: () => number;
  bytesPerSec?: number;
  /** Stop after forwarding exactly this many bytes and call `onCut`. */
  cutAfterBytes?: number;
}

export interface RelayOptions {
  from: Socket;
  to: Socket;
  shape: RelayShape;
  /** Aborted when the connection is torn down: pending delays are cancelled and nothing more is written. */
  signal: AbortSignal;
  onForwarded: (bytes: number) => void;
  /** The cut point was reached and its bytes have been handed to the kernel; the connection decides how to tear down. */
  onCut: () => void;
}

export interface Relay {
  /** Stop forwarding; further bytes from `from` are read and dropped so the peer is not stalled by a full window. */
  stop(): void;
}

interface Piece {
  bytes: Buffer;
  dueAt: number;
}

// Stop reading from the source while this much is queued, so a slow (delayed or throttled) side pushes back on the
// sender through TCP instead of the proxy buffering a whole body.
const highWaterBytes = 256 * 1024;
const lowWaterBytes = 64 * 1024;
// Throttled chunks are sliced so that the rate holds at this granularity rather than in one burst per chunk.
const throttleTicksPerSec = 20;

/** Copies one direction of a connection, applying delay, throttling and a cut point while keeping byte order. */
export function startRelay(options: RelayOptions): Relay {
  const { from, to, shape, signal } = options;
  const queue: Piece[] = [];
  let queuedBytes = 0;
  let forwarded = 0;
  let nextFreeAt = 0;
  let sourceEnded = false;
  let sourcePaused = false;
  let pumping = false;
  let stopped = false;

  const stop = (): void => {
    stopped = true;
    queue.length = 0;
    from.resume();
  };

  const writable = (): boolean => !stopped && !signal.aborted && !to.destroyed && !to.writableEnded;

  const write = (bytes: Buffer): Promise<void> =>
    new Promise((resolve) => {
      // The callback fires once the bytes are in the kernel, which matters before a deliberate reset.
      to.write(bytes, () => resolve());
    });

  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && writable()) {
        const piece = queue[0]!;
        const waitMs = piece.dueAt - performance.now();
        if (waitMs > 0) await sleep(waitMs, undefined, { signal });
        if (!writable()) return;
        queue.shift();
        queuedBytes -= piece.bytes.length;
        if (shape.cutAfterBytes !== undefined && forwarded + piece.bytes.length >= shape.cutAfterBytes) {
          const head = piece.bytes.subarray(0, shape.cutAfterBytes - forwarded);
          if (head.length > 0) await write(head);
          forwarded += head.length;
          options.onForwarded(head.length);
          stop();
          options.onCut();
          return;
        }
        if (!to.write(piece.bytes)) await onceDrained(to, signal);
        forwarded += piece.bytes.length;
        options.onForwarded(piece.bytes.length);
        if (sourcePaused && queuedBytes <= lowWaterBytes) {
          sourcePaused = false;
          from.resume();
        }
      }
      if (sourceEnded && queue.length === 0 && writable()) to.end();
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      pumping = false;
    }
  };

  const kick = (): void => {
    pump().catch((error: unknown) => {
      // A relay bug must not pass silently as "the network dropped it": surface it on the connection.
      to.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  };

  from.on('data', (chunk: Buffer) => {
    if (stopped || signal.aborted) return;
    const now = performance.now();
    for (const bytes of slice(chunk, shape.bytesPerSec)) {
      // A piece leaves after its own delay, never before the previous piece (order), and under a throttle never
      // before the previous piece's share of the rate has elapsed.
      const dueAt = Math.max(now + (shape.delayMs?.() ?? 0), nextFreeAt);
      nextFreeAt = shape.bytesPerSec === undefined ? dueAt : dueAt + (bytes.length * 1000) / shape.bytesPerSec;
      queue.push({ bytes, dueAt });
      queuedBytes += bytes.length;
    }
    if (queuedBytes > highWaterBytes && !sourcePaused) {
      sourcePaused = true;
      from.pause();
    }
    kick();
  });
  from.on('end', () => {
    sourceEnded = true;
    kick();
  });
  return { stop };
}

function slice(chunk: Buffer, bytesPerSec: number | undefined): Buffer[] {
  if (bytesPerSec === undefined) return [chunk];
  const size = Math.max(1, Math.floor(bytesPerSec / throttleTicksPerSec));
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < chunk.length; offset += size) pieces.push(chunk.subarray(offset, offset + size));
  return pieces;
}

function onceDrained(socket: Socket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      signal.removeEventListener('abort', aborted);
    };
    const done = (): void => {
      cleanup();
      resolve();
    };
    const aborted = (): void => {
      cleanup();
      reject(signal.reason as Error);
    };
    socket.on('drain', done);
    socket.on('close', done);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
