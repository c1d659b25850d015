import type { IncomingHttpHeaders } from 'node:http';
import type { SandboxState } from './sandbox-state.ts';
import type { SandboxStore } from './store/sandbox-store.ts';

/** One cloud API request after the common checks: body read and decoded, caller authenticated and verified. */
export interface CloudRequest {
  method: string;
  path: string;
  /** The request target exactly as sent (path and query, percent-encoding untouched): what the signature covers. */
  pathWithQuery: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body bytes exactly as received (what the signature covers). */
  rawBody: Buffer;
  /** The body after `Content-Encoding` was undone. */
  body: Buffer;
  contentEncoding: string;
  /** The agent the bearer token belongs to; undefined on enroll and token. */
  agentId: string | undefined;
  requestId: string;
}

export interface CloudReply {
  status: number;
  /** Serialized as JSON unless it is a Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A clause for the request log ("3 accepted, 0 duplicates"); never secrets or record data. */
  note?: string;
}

export interface CloudServices {
  store: SandboxStore;
  state: SandboxState;
  /** The open WebSocket tunnels, where queued commands go first. */
  tunnels: CloudTunnels;
}

export interface TunnelInfo {
  agentId: string;
  connectedAt: string;
  tokenExpiresAt: string;
  commandsSent: number;
  acksReceived: number;
  lastStatus: { receivedAt: string; body: Record<string, unknown> } | null;
}

/** What the routes use of the tunnel hub (tunnel-hub.ts implements it; declared here so the hub, which dispatches through the routes, is not imported back). */
export interface CloudTunnels {
  refuseUpgrades: boolean;
  isConnected(agentId: string): boolean;
  /** Sends the agent's queued commands now; false when it has no open tunnel. */
  push(agentId: string): boolean;
  dropAll(code: number, reason: string): void;
  list(): TunnelInfo[];
}

export type CloudHandler = (request: CloudRequest, services: CloudServices) => CloudReply;

export interface CloudRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path template, also the endpoint label in counts: `/v1/agents/{agentId}/heartbeat`. */
  pattern: string;
  auth: 'none' | 'bearer';
  /** POST, PUT and DELETE carry TYA-Signature, except enroll and token (there is no secret yet). */
  signed: boolean;
  /** A revoked or unregistered agent may still call this (leaving is idempotent). */
  allowRevoked?: boolean;
  handler: CloudHandler;
}
