import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Fault } from './fault.ts';
import { startRelay } from './relay.ts';
import type { RelayShape } from './relay.ts';

export interface ProxyTarget {
  host: string;
  port: number;
}

/** Running totals, shared by every connection of one proxy. */
export interface ProxyCounters {
  /** Connections accepted from clients, whatever their fault. */
  connections: number;
  /** Bytes delivered to the server (client → server), after shaping; dropped or cut bytes are not counted. */
  bytesUp: number;
  /** Bytes delivered to the client (server → client), after shaping; dropped or cut bytes are not counted. */
  bytesDown: number;
  /**
   * Connections a fault actually struck: latency, throttle, hang, blackhole and refuse when the connection is accepted;
   * resets and truncation only when their byte count is reached (a 100-byte request never trips `afterBytes: 1000`).
   */
  faultsApplied: number;
}

export interface ConnectionContext {
  target: ProxyTarget;
  /** Seeded in tests so jitter is reproducible. */
  random: () => number;
  counters: ProxyCounters;
  /** Every socket the proxy holds (both sides), so closing the proxy can destroy them all. */
  sockets: Set<Socket>;
}

/** Serves one accepted client connection under one fault. */
export function handleConnection(client: Socket, fault: Fault, context: ConnectionContext): void {
  const { counters } = context;
  track(client, context.sockets);
  // Resets and early closes are what this proxy is for; they are handled through 'close', not thrown.
  client.on('error', ignore);

  switch (fault.type) {
    case 'refuse':
      counters.faultsApplied += 1;
      client.resetAndDestroy();
      return;
    case 'hang':
      // Never read: the client's bytes sit unread until its own timeout gives up.
      counters.faultsApplied += 1;
      client.pause();
      return;
    case 'blackhole':
      counters.faultsApplied += 1;
      client.resume();
      return;
    case 'latency':
    case 'throttle':
      counters.faultsApplied += 1;
      break;
    case 'none':
    case 'reset-request':
    case 'reset-response':
    case 'truncate-response':
      break;
    default:
      return assertNeverFault(fault);
  }

  const upstream = connect({ ...context.target, allowHalfOpen: true, noDelay: true });
  track(upstream, context.sockets);
  upstream.on('error', ignore);
  const controller = new AbortController();

  const resetBoth = (): void => {
    controller.abort();
    for (const socket of [client, upstream]) if (!socket.destroyed) socket.resetAndDestroy();
  };
  const onClose = (hadError: boolean): void => {
    // A reset (or a failed connect to the server) on one side is passed on as a reset to the other, as a real
    // network path would; a clean close lets the other direction finish what is queued.
    if (hadError) resetBoth();
    else if (client.destroyed && upstream.destroyed) controller.abort();
  };
  client.on('close', onClose);
  upstream.on('close', onClose);

  const shape = shapeOf(fault, context.random);
  const cut = (): void => {
    counters.faultsApplied += 1;
    resetBoth();
  };
  const up = startRelay({
    from: client,
    to: upstream,
    shape: fault.type === 'reset-request' ? { ...shape, cutAfterBytes: fault.afterBytes } : shape,
    signal: controller.signal,
    onForwarded: (bytes) => (counters.bytesUp += bytes),
    onCut: cut,
  });
  startRelay({
    from: upstream,
    to: client,
    shape:
      fault.type === 'reset-response' || fault.type === 'truncate-response'
        ? { ...shape, cutAfterBytes: fault.afterBytes }
        : shape,
    signal: controller.signal,
    onForwarded: (bytes) => (counters.bytesDown += bytes),
    onCut:
      fault.type === 'truncate-response'
        ? () => {
            counters.faultsApplied += 1;
            // FIN to the client after exactly afterBytes; the server is dropped and whatever the client still sends is
            // read and discarded, so nothing provokes an RST towards the client.
            up.stop();
            upstream.destroy();
            client.end();
          }
        : cut,
  });
}

function shapeOf(fault: Fault, random: () => number): RelayShape {
  if (fault.type === 'latency') {
    const jitterMs = fault.jitterMs ?? 0;
    return { delayMs: () => fault.ms + random() * jitterMs };
  }
  if (fault.type === 'throttle') return { bytesPerSec: fault.bytesPerSec };
  return {};
}

function track(socket: Socket, sockets: Set<Socket>): void {
  sockets.add(socket);
  socket.once('close', () => sockets.delete(socket));
}

function ignore(): void {}

function assertNeverFault(fault: never): never {
  throw new Error(`Fault proxy: unknown fault ${JSON.stringify(fault)}.`);
}
