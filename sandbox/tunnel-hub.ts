/**
 * The WebSocket tunnel (cloud-api.md § Heartbeat and commands): `GET /v1/agents/{agentId}/tunnel`
 * upgraded with the bearer token. Commands queued through `POST /admin/commands` go down an open
 * tunnel at once (otherwise they wait for the heartbeat); acks come back and are stored like the
 * heartbeat's, with channel `tunnel`; the last `status` message is kept. The socket is closed with
 * 4001 when its token expires, so the agent comes back with a fresh one.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { AgentTunnelMessageSchema, TunnelCloseCodes } from '../agents/api/tunnel-messages.ts';
import { authenticate, checkAgentVersion } from './cloud-dispatch.ts';
import type { CloudServices, CloudTunnels, TunnelInfo } from './cloud-types.ts';
import { signedCommand } from './heartbeat-handler.ts';
import { CloudHttpError, errorBody } from './http-error.ts';
import type { SandboxState } from './sandbox-state.ts';
import type { SandboxStore } from './store/sandbox-store.ts';

export const TUNNEL_PATH = /^\/v1\/agents\/([^/]+)\/tunnel$/;
const TUNNEL_ENDPOINT = 'GET /v1/agents/{agentId}/tunnel';
/** How often open tunnels are checked for an expired token or a revoked agent (the clock may be shifted). */
const SWEEP_MS = 200;


interface OpenTunnel {
  agentId: string;
  socket: WebSocket;
  /** Kept to look the token up again (revocation); it lives only in this process's memory. */
  token: string;
  expiresAtMs: number;
  connectedAt: string;
  commandsSent: number;
  acksReceived: number;
}

export class TunnelHub implements CloudTunnels {
  /** `POST /admin/tunnel {"refuseUpgrades": true}`: act like a proxy that strips WebSocket upgrades. */
  refuseUpgrades = false;
  readonly #store: SandboxStore;
  readonly #state: SandboxState;
  readonly #log: (sentence: string) => void;
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  readonly #open = new Map<string, OpenTunnel>();
  readonly #sweep: NodeJS.Timeout;

  constructor(store: SandboxStore, state: SandboxState, log: (sentence: string) => void) {
    this.#store = store;
    this.#state = state;
    this.#log = log;
    this.#sweep = setInterval(() => this.#closeLapsed(), SWEEP_MS);
    this.#sweep.unref();
  }

  /** True when the path is the tunnel's (the server's upgrade handler asks before handing over). */
  static matches(path: string): boolean {
    return TUNNEL_PATH.test(path);
  }

  isConnected(agentId: string): boolean {
    return this.#open.has(agentId);
  }

  /** The upgrade request: the same checks as any `/v1` call, then the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const services: CloudServices = { store: this.#store, state: this.#state, tunnels: this };
    let agentId: string;
    let token: string;
    try {
      if (this.refuseUpgrades) {
        throw new CloudHttpError(
          403,
          'upgrade_refused',
          'WebSocket upgrades are refused here (the sandbox plays a proxy that strips them: POST /admin/tunnel); use the heartbeat.',
        );
      }
      checkAgentVersion(req.headers, this.#state.minAgentVersion);
      agentId = authenticate(req.headers, services, false);
      const pathAgent = decodeURIComponent(TUNNEL_PATH.exec(path)![1]!);
      if (pathAgent !== agentId) {
        throw new CloudHttpError(
          403,
          'agent_mismatch',
          'This token belongs to a different agent than the one in the path.',
        );
      }
      token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')![1]!;
    } catch (error) {
      const e = error instanceof CloudHttpError ? error : new CloudHttpError(500, 'internal_error', String(error));
      this.#refuse(socket, e, requestId, path);
      return;
    }
    const expiresAtMs = this.#store.agents.findToken(token)!.expiresAtMs;
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, agentId, token, expiresAtMs, requestId));
  }

  /** Sends the agent's pending commands down its tunnel, if it has one open; returns whether it did. */
  push(agentId: string): boolean {
    const tunnel = this.#open.get(agentId);
    if (tunnel === undefined) return false;
    const commands = this.#store.heartbeats.takeForTunnel(agentId, this.#state.nowIso(), (command, signature) =>
      signedCommand(this.#store.cloudKey, command, signature),
    );
    for (const command of commands) tunnel.socket.send(JSON.stringify(command));
    tunnel.commandsSent += commands.length;
    if (commands.length > 0) this.#log(`Tunnel of ${agentId}: ${commands.length} command(s) sent.`);
    return true;
  }

  /** Closes every open tunnel (the proxy turned hostile, or the sandbox stops). */
  dropAll(code: number, reason: string): void {
    for (const tunnel of this.#open.values()) tunnel.socket.close(code, reason);
  }

  list(): TunnelInfo[] {
    return [...this.#open.values()].map((t) => ({
      agentId: t.agentId,
      connectedAt: t.connectedAt,
      tokenExpiresAt: new Date(t.expiresAtMs).toISOString(),
      commandsSent: t.commandsSent,
      acksReceived: t.acksReceived,
      lastStatus: this.#store.heartbeats.tunnelStatus(t.agentId) ?? null,
    }));
  }

  /** Stops at once: sockets are cut (as a crashed cloud would), so agents see the tunnel die. */
  close(): void {
    clearInterval(this.#sweep);
    for (const tunnel of this.#open.values()) tunnel.socket.terminate();
    this.#open.clear();
    this.#server.close();
  }

  #accept(socket: WebSocket, agentId: string, token: string, expiresAtMs: number, requestId: string): void {
    this.#store.counts.countRequest(TUNNEL_ENDPOINT, '101');
    this.#log(`GET /v1/agents/${agentId}/tunnel upgraded to a WebSocket [${requestId}].`);
    this.#open.get(agentId)?.socket.close(TunnelCloseCodes.replaced, 'another tunnel of this agent took over');
    const tunnel: OpenTunnel = {
      agentId,
      socket,
      token,
      expiresAtMs,
      connectedAt: this.#state.nowIso(),
      commandsSent: 0,
      acksReceived: 0,
    };
    this.#open.set(agentId, tunnel);
    socket.on('message', (data, isBinary) => this.#receive(tunnel, data, isBinary));
    socket.on('close', (code) => {
      if (this.#open.get(agentId) === tunnel) this.#open.delete(agentId);
      this.#log(`Tunnel of ${agentId} closed (${code}).`);
    });
    socket.on('error', (error) => this.#log(`Tunnel of ${agentId} failed: ${error.message}`));
    this.push(agentId);
  }

  #receive(tunnel: OpenTunnel, data: RawData, isBinary: boolean): void {
    let parsed: ReturnType<typeof AgentTunnelMessageSchema.safeParse>;
    try {
      parsed = AgentTunnelMessageSchema.safeParse(isBinary ? undefined : JSON.parse(rawText(data)));
    } catch {
      parsed = AgentTunnelMessageSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      this.#log(`Tunnel of ${tunnel.agentId} sent a message that is not an ack or a status; closed.`);
      tunnel.socket.close(1008, 'expected an ack or a status message');
      return;
    }
    const message = parsed.data;
    const nowIso = this.#state.nowIso();
    if (message.type === 'ack') {
      this.#store.heartbeats.recordAck(tunnel.agentId, message, 'tunnel', nowIso);
      tunnel.acksReceived += 1;
      this.#log(`Tunnel of ${tunnel.agentId}: ack for ${message.id} (${message.ok ? 'ok' : message.error.code}).`);
    } else {
      const { type: _type, ...body } = message;
      this.#store.heartbeats.recordTunnelStatus(tunnel.agentId, body, nowIso);
    }
  }

  /** Tokens expire and agents get revoked while a tunnel is open: such a tunnel is closed. */
  #closeLapsed(): void {
    const nowMs = this.#state.now();
    for (const tunnel of this.#open.values()) {
      const token = this.#store.agents.findToken(tunnel.token);
      if (token === undefined || token.revoked) {
        tunnel.socket.close(TunnelCloseCodes.revoked, 'agent revoked');
        this.#open.delete(tunnel.agentId);
      } else if (tunnel.expiresAtMs <= nowMs) {
        tunnel.socket.close(TunnelCloseCodes.tokenExpired, 'token expired');
        this.#open.delete(tunnel.agentId);
      }
    }
  }

  #refuse(socket: Duplex, error: CloudHttpError, requestId: string, path: string): void {
    this.#store.counts.countRequest(TUNNEL_ENDPOINT, String(error.status));
    this.#log(`GET ${path} upgrade refused with ${error.status} ${error.code} [${requestId}].`);
    const body = JSON.stringify(errorBody(error.code, error.message, requestId, error.details));
    const extra = Object.entries(error.headers ?? {})
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${error.status} ${STATUS_TEXT[error.status] ?? 'Refused'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\n${extra}connection: close\r\n\r\n${body}`,
    );
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
};

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
