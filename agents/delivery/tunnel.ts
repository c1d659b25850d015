/**
 * The outbound WebSocket tunnel (cloud-api.md § Heartbeat and commands): the agent holds a socket to
 * `/v1/agents/{agentId}/tunnel` so a command takes effect in under a second instead of at the next
 * heartbeat. Commands go through the same executor as the heartbeat's (signature check, at-most-once
 * ledger) and are acknowledged on the socket; the status is pushed whenever it changes.
 *
 * The tunnel is an optimisation, never a dependency: while it is down (a proxy that strips upgrades,
 * a cloud restart) the heartbeat carries commands and acks, and the channel says `heartbeat`; the
 * tunnel keeps trying with jittered exponential backoff and takes over when it is back.
 */
import type { Agent as HttpAgent } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import type { CloudCommand, CommandAck } from '../api/cloud.ts';
import { CloudTunnelMessageSchema, TunnelCloseCodes, tunnelPath } from '../api/tunnel-messages.ts';
import type { Clock } from '../pipeline/clock.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backoffMs, type BackoffPolicy } from './backoff.ts';
import { commandAck, type CommandChannel, type CommandResult } from './command-executor.ts';
import type { HeartbeatSummary } from './heartbeat.ts';

/** What status shows about the command channel. */
export interface TunnelState {
  channel: CommandChannel;
  /** When the channel last changed (RFC 3339). */
  since: string;
  /** Why the tunnel is not (or was last not) held; null once it connected cleanly. */
  lastError: { code: string; message: string; at: string } | null;
}

export interface TunnelTokens {
  /** A bearer token, from the client's shared cache. */
  fetchToken(): Promise<string>;
  /** The cloud said this token is no good (4001 / 401 token_expired): the next fetch gets a new one. */
  invalidateToken(token: string): void;
}

export interface TunnelOptions {
  /** The cloud's base URL (`http(s)://…`); the tunnel uses `ws(s)://` on the same origin. */
  baseUrl: string;
  agentId: string;
  agentVersion: string;
  tokens: TunnelTokens;
  /** The shared executor's run (signature, ledger, command); undefined: the id already ran. */
  execute: (command: CloudCommand) => Promise<CommandResult | undefined>;
  /** The heartbeat body; sent as `{"type": "status"}` whenever it changes. */
  buildStatus: () => HeartbeatSummary;
  /** An ack whose socket died before it could be sent: the heartbeat carries it instead. */
  onUndeliveredAck: (ack: CommandAck) => void;
  onState?: (state: TunnelState) => void;
  clock: Clock;
  random?: () => number;
  logger: Logger;
  /** The HTTP(S) agent to connect through (proxies, custom CAs, client certificates). Default: none. */
  agent?: HttpAgent;
  /** A ping this often; a pong missing by the next ping means the tunnel is dead. Default 25 s. */
  pingIntervalMs?: number;
  /** How long an upgrade may take. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** How often the status is compared with the last one sent. Default 1 s. */
  statusCheckMs?: number;
  /** Reconnect waits: full jitter, from 1 s up to 60 s by default. */
  backoff?: BackoffPolicy;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 60_000 };

type Outcome = { kind: 'closed'; code: number; reason: string; opened: boolean } | { kind: 'stopped' };

export class CommandTunnel {
  readonly #o: TunnelOptions;
  readonly #log: Logger;
  readonly #random: () => number;
  #stop: AbortController | undefined;
  #done: Promise<void> | undefined;
  #socket: WebSocket | undefined;
  #state: TunnelState;
  #lastStatusSent: string | undefined;
  /** Commands run one after another, in the order they arrived (as the heartbeat's do). */
  #commands: Promise<void> = Promise.resolve();

  constructor(options: TunnelOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'delivery.tunnel' });
    this.#random = options.random ?? Math.random;
    this.#state = { channel: 'heartbeat', since: new Date(options.clock.now()).toISOString(), lastError: null };
  }

  get state(): TunnelState {
    return this.#state;
  }

  start(): void {
    if (this.#done !== undefined) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#done = this.#run(stop.signal);
  }

  async stop(): Promise<void> {
    this.#stop?.abort(new Error('tunnel stopping'));
    this.#socket?.close(1000, 'agent stopping');
    await this.#done;
    this.#done = undefined;
  }

  async #run(stop: AbortSignal): Promise<void> {
    let failures = 0;
    while (!stop.aborted) {
      let token: string;
      try {
        token = await this.#o.tokens.fetchToken();
      } catch (error) {
        this.#failed(describeError(error));
        failures += 1;
        if (!(await this.#wait(backoffMs(this.#policy(), failures, this.#random), stop))) return;
        continue;
      }
      // stop() during the token request: its abort event has already fired, so no socket now.
      if (stop.aborted) return;
      const outcome = await this.#hold(token, stop);
      if (outcome.kind === 'stopped') return;
      if (outcome.code === TunnelCloseCodes.tokenExpired) {
        // The cloud closes with 4001 when the token lapses: come straight back with a fresh one.
        this.#o.tokens.invalidateToken(token);
        if (outcome.opened) {
          failures = 0;
          continue;
        }
      }
      failures = outcome.opened ? 1 : failures + 1;
      if (!(await this.#wait(backoffMs(this.#policy(), failures, this.#random), stop))) return;
    }
  }

  #policy(): BackoffPolicy {
    return this.#o.backoff ?? DEFAULT_BACKOFF;
  }

  async #wait(ms: number, stop: AbortSignal): Promise<boolean> {
    try {
      await this.#o.clock.sleep(ms, stop);
      return true;
    } catch {
      return false;
    }
  }

  /** One socket, from the upgrade until it closes. */
  #hold(token: string, stop: AbortSignal): Promise<Outcome> {
    const url = new URL(tunnelPath(this.#o.agentId), this.#o.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, {
      headers: {
        authorization: `Bearer ${token}`,
        'tya-agent-version': this.#o.agentVersion,
        'user-agent': `tya-agent/${this.#o.agentVersion}`,
      },
      handshakeTimeout: this.#o.handshakeTimeoutMs ?? 10_000,
      maxPayload: 1024 * 1024,
      followRedirects: false,
      ...(this.#o.agent === undefined ? {} : { agent: this.#o.agent }),
    });
    this.#socket = socket;
    return new Promise<Outcome>((resolve) => {
      let opened = false;
      let refused: { code: string; message: string } | undefined;
      let lastError: Error | undefined;
      const timers: NodeJS.Timeout[] = [];
      const onStop = () => socket.terminate();
      stop.addEventListener('abort', onStop, { once: true });

      socket.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => {
          refused = refusalOf(res.statusCode ?? 0, body);
          if (refused.code === 'token_expired') this.#o.tokens.invalidateToken(token);
          socket.terminate();
        });
      });
      socket.on('error', (error) => {
        lastError = error;
      });
      socket.on('open', () => {
        opened = true;
        this.#lastStatusSent = undefined;
        this.#setState({ channel: 'websocket', lastError: null });
        this.#log.info('The command tunnel to the cloud is open; commands arrive within a second.');
        let awaitingPong = false;
        socket.on('pong', () => {
          awaitingPong = false;
        });
        timers.push(
          setInterval(() => {
            if (awaitingPong) {
              this.#log.warn('The command tunnel missed a pong; it is taken as dead and reopened.');
              socket.terminate();
              return;
            }
            awaitingPong = true;
            socket.ping();
          }, this.#o.pingIntervalMs ?? 25_000),
          setInterval(() => this.#pushStatus(socket), this.#o.statusCheckMs ?? 1000),
        );
        this.#pushStatus(socket);
      });
      socket.on('message', (data, isBinary) => {
        this.#commands = this.#commands
          .then(() => this.#receive(socket, data, isBinary))
          .catch((error: unknown) => this.#log.error({ err: error }, 'A command from the tunnel failed unexpectedly.'));
      });
      socket.on('close', (code, reasonBytes) => {
        for (const timer of timers) clearInterval(timer);
        stop.removeEventListener('abort', onStop);
        if (this.#socket === socket) this.#socket = undefined;
        if (stop.aborted) {
          this.#setState({ channel: 'heartbeat' });
          resolve({ kind: 'stopped' });
          return;
        }
        const reason = reasonBytes.toString('utf8');
        const problem =
          refused ??
          (opened
            ? {
                code: `tunnel_closed_${code}`,
                message: `The cloud closed the command tunnel (${code}${reason === '' ? '' : `: ${reason}`}).`,
              }
            : {
                code: 'tunnel_unreachable',
                message: `The command tunnel could not be opened: ${lastError?.message ?? `closed with ${code}`}.`,
              });
        this.#failed(problem, opened && code === TunnelCloseCodes.tokenExpired);
        resolve({ kind: 'closed', code, reason, opened });
      });
    });
  }

  async #receive(socket: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    let command: CloudCommand;
    try {
      if (isBinary) throw new Error('binary message');
      command = CloudTunnelMessageSchema.parse(JSON.parse(rawText(data)));
    } catch {
      this.#log.warn(
        { stage: 'tunnel' },
        'The cloud sent something on the command tunnel that is not a command; ignored.',
      );
      return;
    }
    const result = await this.#o.execute(command);
    const ack = commandAck(command.id, result);
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(ack));
    else this.#o.onUndeliveredAck(ack);
  }

  /** Sends the status when it differs from the last one sent (time fields aside). */
  #pushStatus(socket: WebSocket): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    let summary: HeartbeatSummary;
    try {
      summary = this.#o.buildStatus();
    } catch (error) {
      this.#log.warn({ err: error }, 'The status for the command tunnel could not be built.');
      return;
    }
    const { sentAt: _sentAt, uptimeSecs: _uptime, ...stable } = summary;
    const fingerprint = JSON.stringify(stable);
    if (fingerprint === this.#lastStatusSent) return;
    this.#lastStatusSent = fingerprint;
    socket.send(JSON.stringify({ type: 'status', ...summary }));
  }

  /** A failed attempt or a lost tunnel: commands go by heartbeat. Logged once per kind of failure. */
  #failed(problem: { code: string; message: string }, quiet = false): void {
    const repeated = this.#state.lastError?.code === problem.code;
    if (!repeated && !quiet) {
      this.#log.warn(
        { errorType: problem.code, stage: 'tunnel' },
        `${problem.message} Commands come with the heartbeat until the tunnel is back.`,
      );
    }
    this.#setState({
      channel: 'heartbeat',
      lastError: { ...problem, at: new Date(this.#o.clock.now()).toISOString() },
    });
  }

  #setState(change: { channel: CommandChannel; lastError?: TunnelState['lastError'] }): void {
    const channelChanged = change.channel !== this.#state.channel;
    this.#state = {
      channel: change.channel,
      since: channelChanged ? new Date(this.#o.clock.now()).toISOString() : this.#state.since,
      lastError: change.lastError === undefined ? this.#state.lastError : change.lastError,
    };
    this.#o.onState?.(this.#state);
  }
}

/** A refused upgrade in words: the cloud's error body when it sent one, else the HTTP status. */
function refusalOf(status: number, body: string): { code: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') {
      return {
        code: parsed.error.code,
        message: `The command tunnel was refused (${status}): ${parsed.error.message}`,
      };
    }
  } catch {
    // Not the cloud's JSON: a proxy's page, most likely.
  }
  return {
    code: `upgrade_refused_${status}`,
    message: `The command tunnel was refused with HTTP ${status} (a proxy that does not pass WebSocket upgrades?).`,
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
