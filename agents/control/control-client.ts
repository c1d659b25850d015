import { z } from 'zod';
import { AgentStatusSchema } from '../api/index.ts';
import type { AgentStatus } from '../api/index.ts';
import { AgentError, NotConnectedError } from '../pipeline/errors.ts';
import { readControlFileSync } from './control-file.ts';
import { AcknowledgeAlertsResultSchema, CONTROL_API_PREFIX, ControlResultSchema } from './control-protocol.ts';
import type { AcknowledgeAlertsResult, AlertCodes, DeadLetterIds } from './control-protocol.ts';

/** Nothing answers at the address in control.json: the CLI says "no agent is running". */
export class AgentNotRunningError extends NotConnectedError {
  constructor(url: string, cause?: unknown) {
    super('agent_not_running', `No agent is running: nothing answered at ${url}.`, {
      hint: 'Start it with "tya-agent run" or start the service, then try again.',
      cause,
    });
  }
}

/** The agent answered but refused or failed the request; `code` is the agent's error code. */
export class ControlRequestError extends AgentError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

export interface ControlClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

/** Talks to a running agent's local control API (the CLI's `status`, `sync`, `dlq` commands). */
export class ControlClient {
  readonly url: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: ControlClientOptions) {
    this.url = options.url;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** A client for the agent that owns `dataDir`, or null when no agent has published a live control.json there. */
  static fromDataDir(dataDir: string, options: { timeoutMs?: number } = {}): ControlClient | null {
    const file = readControlFileSync(dataDir);
    if (file === null || !isProcessAlive(file.pid)) return null;
    return new ControlClient({ url: `http://127.0.0.1:${file.port}`, token: file.token, ...options });
  }

  async status(): Promise<AgentStatus> {
    return this.#request('GET', '/status', undefined, AgentStatusSchema);
  }

  async syncNow(source?: string): Promise<void> {
    await this.#request('POST', '/sync', source === undefined ? {} : { source }, z.null());
  }

  async listDeadLetters(limit: number): Promise<unknown[]> {
    return this.#request('GET', `/dlq?limit=${encodeURIComponent(limit)}`, undefined, z.array(z.unknown()));
  }

  async replayDeadLetters(ids: DeadLetterIds): Promise<number> {
    return this.#request('POST', '/dlq/replay', { ids }, z.number().int().min(0));
  }

  async discardDeadLetters(ids: DeadLetterIds): Promise<number> {
    return this.#request('POST', '/dlq/discard', { ids }, z.number().int().min(0));
  }

  async acknowledgeAlerts(codes: AlertCodes): Promise<AcknowledgeAlertsResult> {
    return this.#request('POST', '/alerts/ack', { codes }, AcknowledgeAlertsResultSchema);
  }

  /** A one-time login link for the browser dashboard (single use, short lived). */
  async createLoginLink(): Promise<{ url: string; expiresAt: string }> {
    return this.#request('POST', '/ui/login-links', {}, z.object({ url: z.string(), expiresAt: z.string() }));
  }

  async #request<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T): Promise<z.output<T>> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${CONTROL_API_PREFIX}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      if (isConnectionRefused(error)) throw new AgentNotRunningError(this.url, error);
      throw new NotConnectedError('control_unreachable', `The agent at ${this.url} did not answer.`, {
        hint: 'It may be busy or stuck; check its log, or restart it.',
        cause: error,
      });
    }
    const envelope = ControlResultSchema.safeParse(await response.json().catch(() => undefined));
    if (!envelope.success) {
      throw new ControlRequestError(
        response.status,
        'bad_response',
        `Something other than the agent answered at ${this.url} (HTTP ${response.status}).`,
      );
    }
    if (!envelope.data.ok) {
      throw new ControlRequestError(response.status, envelope.data.error.code, envelope.data.error.message);
    }
    const value = schema.safeParse(envelope.data.value);
    if (!value.success) {
      throw new ControlRequestError(
        response.status,
        'bad_response',
        `The agent's answer to ${method} ${path} does not match this version of the CLI: ${z.prettifyError(value.error)}`,
      );
    }
    return value.data;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (a service account); it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isConnectionRefused(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if ((current as NodeJS.ErrnoException).code === 'ECONNREFUSED') return true;
  }
  return false;
}
