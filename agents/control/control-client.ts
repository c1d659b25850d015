import { accessSync, constants, existsSync } from 'node:fs';
import { nodeHttp } from '../pipeline/node-http.ts';
import { basename } from 'node:path';
import { z } from 'zod';
import { AgentStatusSchema, QuarantineEntrySchema, ReplayResultSchema } from '../api/index.ts';
import { AlertChannelTestSchema, type AlertChannel, type AlertChannelTest } from '../api/notify-config.ts';
import type { AgentStatus, JsonObject, QuarantineEntry, QuarantineFilter, ReplayResult } from '../api/index.ts';

/** Which quarantined records a replay or discard takes: ids or all, optionally within one source or stream. */
export interface QuarantineSelection {
  ids: number[] | 'all';
  source?: string | undefined;
  stream?: string | undefined;
}
import { AgentError, NotConnectedError } from '../pipeline/errors.ts';
import { readControlFileSync } from './control-file.ts';
import { roleSocketPath } from './role-sockets.ts';
import type { Role } from './roles.ts';
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

/** TCP with the control token (`url` is http://127.0.0.1:PORT), or a role socket in the data folder. */
export type ControlClientOptions = ({ url: string; token: string } | { socketPath: string; role: Role }) & { timeoutMs?: number };

/** The order the CLI tries the role sockets in: the most it may do first. */
const SOCKET_ORDER: readonly Role[] = ['admin', 'operator', 'viewer'];

/** Talks to a running agent's local control API (the CLI's `status`, `sync`, `dlq` commands). */
export class ControlClient {
  /** Where it talks to, for messages: `http://127.0.0.1:PORT` or `unix:/path/control-viewer.sock`. */
  readonly url: string;
  /** The role this client reached the agent with (admin for the token). */
  readonly role: Role;
  readonly #token: string | null;
  readonly #socketPath: string | null;
  readonly #timeoutMs: number;

  constructor(options: ControlClientOptions) {
    if ('socketPath' in options) {
      this.url = `unix:${options.socketPath}`;
      this.role = options.role;
      this.#socketPath = options.socketPath;
      this.#token = null;
    } else {
      this.url = options.url;
      this.role = 'admin';
      this.#socketPath = null;
      this.#token = options.token;
    }
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /**
   * A client for the agent that owns `dataDir`, or null when none is reachable: the first role socket
   * this user may connect to (admin, operator, viewer), else the control token over TCP. For the
   * agent's own user a stale control.json (its process is gone) means no agent, sockets or not.
   */
  static fromDataDir(dataDir: string, options: { timeoutMs?: number } = {}): ControlClient | null {
    const file = readControlFileSync(dataDir);
    if (file !== null && !isProcessAlive(file.pid)) return null;
    for (const role of SOCKET_ORDER) {
      const socketPath = roleSocketPath(dataDir, role);
      if (mayConnect(socketPath)) return new ControlClient({ socketPath, role, ...options });
    }
    if (file === null) return null;
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

  /** A test notice through every configured alert channel, through the running agent (its network, its vault). */
  async testAlertChannels(only?: readonly AlertChannel['channel'][]): Promise<AlertChannelTest[]> {
    return this.#request('POST', '/alerts/test', only === undefined ? {} : { channels: only }, z.array(AlertChannelTestSchema));
  }

  /** A one-time login link for the browser dashboard (single use, short lived). */
  async createLoginLink(): Promise<{ url: string; expiresAt: string }> {
    return this.#request('POST', '/ui/login-links', {}, z.object({ url: z.string(), expiresAt: z.string() }));
  }

  /** Who the agent says this caller is. */
  async session(): Promise<{ role: Role; via: string }> {
    return this.#request('GET', '/session', undefined, z.object({ role: z.enum(['viewer', 'operator', 'admin']), via: z.string() }));
  }

  async quarantine(filter: QuarantineFilter): Promise<QuarantineEntry[]> {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    return this.#request('GET', `/quarantine?${query.toString()}`, undefined, z.array(QuarantineEntrySchema));
  }

  async quarantined(id: number): Promise<QuarantineEntry> {
    return this.#request('GET', `/quarantine/${id}`, undefined, QuarantineEntrySchema);
  }

  async editQuarantined(id: number, data: JsonObject): Promise<QuarantineEntry> {
    return this.#request('PUT', `/quarantine/${id}/data`, { data }, QuarantineEntrySchema);
  }

  async replayQuarantined(selection: QuarantineSelection): Promise<ReplayResult> {
    return this.#request('POST', '/quarantine/replay', selection, ReplayResultSchema);
  }

  async discardQuarantined(selection: QuarantineSelection): Promise<number> {
    return this.#request('POST', '/quarantine/discard', selection, z.number().int());
  }

  async resendStream(source: string, stream: string): Promise<{ schemaVersion: number }> {
    return this.#request('POST', `/streams/${encodeURIComponent(source)}/${encodeURIComponent(stream)}/resend`, {}, z.object({ schemaVersion: z.number().int() }));
  }

  async #request<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T): Promise<z.output<T>> {
    let response: { status: number; json: unknown };
    try {
      response = await this.#send(method, `${CONTROL_API_PREFIX}${path}`, body);
    } catch (error) {
      if (isConnectionRefused(error)) throw new AgentNotRunningError(this.url, error);
      throw new NotConnectedError('control_unreachable', `The agent at ${this.url} did not answer.`, {
        hint: 'It may be busy or stuck; check its log, or restart it.',
        cause: error,
      });
    }
    const envelope = ControlResultSchema.safeParse(response.json);
    if (!envelope.success) {
      throw new ControlRequestError(
        response.status,
        'bad_response',
        `Something other than the agent answered at ${this.url} (HTTP ${response.status}).`,
      );
    }
    if (!envelope.data.ok) {
      const { code, message } = envelope.data.error;
      // Say which door this user came through: the socket decides the role.
      const through = this.#socketPath === null ? 'the control token' : basename(this.#socketPath);
      throw new ControlRequestError(response.status, code, code === 'forbidden_role' ? `${message} (You reached the agent through ${through}.)` : message);
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
  /** One request over node:http, which speaks to a unix socket and to TCP alike (fetch cannot do the former). */
  #send(method: string, path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const where = this.#socketPath !== null ? { socketPath: this.#socketPath } : tcpTarget(this.url);
    return new Promise((resolve, reject) => {
      const request = nodeHttp.request(
        {
          ...where,
          method,
          path,
          headers: {
            ...(this.#token === null ? {} : { authorization: `Bearer ${this.#token}` }),
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
          signal: AbortSignal.timeout(this.#timeoutMs),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            let json: unknown;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              json = undefined;
            }
            resolve({ status: response.statusCode ?? 0, json });
          });
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }
}

function tcpTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** Connecting to a unix socket needs write permission on it (the kernel's check is the role check). */
function mayConnect(socketPath: string): boolean {
  if (process.platform === 'win32' || !existsSync(socketPath)) return false;
  try {
    accessSync(socketPath, constants.W_OK);
    return true;
  } catch {
    return false;
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
    // ENOENT: a role socket that went away with its agent.
    const code = (current as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT') return true;
  }
  return false;
}
