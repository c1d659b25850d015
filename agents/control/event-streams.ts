/**
 * Live events for the dashboard over server-sent events (GET /api/v1/events): the status whenever it
 * changes (checked every second, sent only on change), and "changed" events the engine raises when
 * sources, files, the queue or settings change, so screens refetch instead of polling.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentStatus, LiveEvent } from '../api/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { ControlHandlers } from './control-protocol.ts';
import type { DashboardPort } from './dashboard-port.ts';

const STATUS_CHECK_MS = 1000;
const KEEPALIVE_MS = 15_000;

export class EventStreams {
  readonly #clients = new Set<ServerResponse>();
  readonly #handlers: ControlHandlers;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | null = null;
  #keepalive: NodeJS.Timeout | null = null;
  #lastStatus = '';
  readonly #unsubscribe: () => void;

  constructor(handlers: ControlHandlers, dashboard: DashboardPort | undefined, logger: Logger) {
    this.#handlers = handlers;
    this.#logger = logger;
    this.#unsubscribe = dashboard?.subscribe((event) => this.#broadcast(event)) ?? (() => undefined);
  }

  open(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    response.write('retry: 2000\n\n');
    this.#clients.add(response);
    request.socket.setKeepAlive(true);
    response.on('close', () => {
      this.#clients.delete(response);
      if (this.#clients.size === 0) this.#stopTimers();
    });
    // A new client gets the current status at once.
    void this.#statusEvent().then((status) => {
      if (status !== null) write(response, { type: 'status', status });
    });
    this.#startTimers();
  }

  close(): void {
    this.#unsubscribe();
    this.#stopTimers();
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #startTimers(): void {
    this.#timer ??= setInterval(() => void this.#checkStatus(), STATUS_CHECK_MS);
    this.#keepalive ??= setInterval(() => {
      for (const client of this.#clients) client.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.#timer.unref();
    this.#keepalive.unref();
  }

  #stopTimers(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#keepalive !== null) clearInterval(this.#keepalive);
    this.#timer = null;
    this.#keepalive = null;
    this.#lastStatus = '';
  }

  async #checkStatus(): Promise<void> {
    const status = await this.#statusEvent();
    if (status === null) return;
    // The oldest item's age grows every second by itself; a change worth sending is anything else.
    const fingerprint = JSON.stringify({ ...status, queue: { ...status.queue, oldestAgeSecs: null } });
    if (fingerprint === this.#lastStatus) return;
    this.#lastStatus = fingerprint;
    this.#broadcast({ type: 'status', status });
  }

  async #statusEvent(): Promise<AgentStatus | null> {
    try {
      return await this.#handlers.status();
    } catch (error) {
      this.#logger.warn({ err: error }, 'Could not read the status for the live event stream.');
      return null;
    }
  }

  #broadcast(event: LiveEvent): void {
    for (const client of this.#clients) write(client, event);
  }
}

function write(response: ServerResponse, event: LiveEvent): void {
  response.write(`data: ${JSON.stringify(event)}\n\n`);
}
