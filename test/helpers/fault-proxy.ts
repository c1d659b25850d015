import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { handleConnection } from './fault-proxy/connection.ts';
import type { ProxyCounters, ProxyTarget } from './fault-proxy/connection.ts';
import { FaultSchedule } from './fault-proxy/fault-schedule.ts';
import type { Fault, FaultPlan } from './fault-proxy/fault.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';

export type { Fault, FaultPlan } from './fault-proxy/fault.ts';
export type { ProxyTarget } from './fault-proxy/connection.ts';
export type FaultProxyStats = Readonly<ProxyCounters>;

export interface FaultProxyOptions {
  /** The real server behind the proxy (the sandbox cloud, a test HTTP server). */
  target: ProxyTarget;
  /** 0 (the default) picks a free port on 127.0.0.1. */
  listenPort?: number;
  /** Start with a per-connection plan instead of `none`. */
  plan?: FaultPlan;
  /** Source of jitter, in [0, 1). Defaults to a generator seeded with `seed` (default 1), so runs are reproducible. */
  random?: () => number;
  seed?: number;
}

/**
 * A loopback TCP proxy that injects network faults between a client (the agent) and a server (the sandbox).
 * Faults apply to connections accepted after they are set; connections in flight keep the fault they started with.
 * Time is real: this shapes real sockets, so there is no injectable clock here.
 */
export interface FaultProxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`; `path` defaults to `/`. */
  url(path?: string): string;
  /** Every new connection gets `fault`; with `times`, only the next `times` connections, then `none` again. */
  setFault(fault: Fault, options?: { times?: number }): void;
  /** Each new connection gets `plan(i)`, where `i` counts connections from 0 since this call. */
  setPlan(plan: FaultPlan): void;
  /** Back to forwarding untouched (drops any standing fault or plan); connections in flight are not affected. */
  clear(): void;
  stats(): FaultProxyStats;
  /** Stops listening and destroys every socket, hung and blackholed ones included. Safe to call twice. */
  close(): Promise<void>;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const schedule = new FaultSchedule();
  if (options.plan) schedule.setPlan(options.plan);
  const counters: ProxyCounters = { connections: 0, bytesUp: 0, bytesDown: 0, faultsApplied: 0 };
  const sockets = new Set<Socket>();
  const context = {
    target: options.target,
    random: options.random ?? seededRandom(options.seed ?? 1),
    counters,
    sockets,
  };

  // allowHalfOpen: a client's FIN after its request must reach the server without closing the response direction.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    counters.connections += 1;
    handleConnection(client, schedule.next(), context);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.listenPort ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path.startsWith('/') ? path : `/${path}`}`,
    setFault: (fault, setOptions) => schedule.setFault(fault, setOptions?.times),
    setPlan: (plan) => schedule.setPlan(plan),
    clear: () => schedule.clear(),
    stats: () => ({ ...counters }),
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

