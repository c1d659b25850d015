import { enrollAgent, issueToken, rotateCredentials, unregisterAgent } from './auth-handlers.ts';
import { receiveBatch } from './batch-handler.ts';
import type { CloudRoute } from './cloud-types.ts';
import { getFile, putFile } from './file-handler.ts';
import { receiveHeartbeat } from './heartbeat-handler.ts';
import { getReference } from './reference-handler.ts';
import { listWritebacks, receiveWritebackResult } from './writeback-handler.ts';

/** The cloud API of cloud-api.md, except the WebSocket tunnel (answered 501 by the server). */
export const CLOUD_ROUTES: readonly CloudRoute[] = [
  { method: 'POST', pattern: '/v1/agents/enroll', auth: 'none', signed: false, handler: enrollAgent },
  { method: 'POST', pattern: '/v1/oauth/token', auth: 'none', signed: false, handler: issueToken },
  { method: 'POST', pattern: '/v1/agents/{agentId}/rotate', auth: 'bearer', signed: true, handler: rotateCredentials },
  {
    method: 'POST',
    pattern: '/v1/agents/{agentId}/heartbeat',
    auth: 'bearer',
    signed: true,
    handler: receiveHeartbeat,
  },
  { method: 'POST', pattern: '/v1/batches', auth: 'bearer', signed: true, handler: receiveBatch },
  {
    method: 'DELETE',
    pattern: '/v1/agents/{agentId}',
    auth: 'bearer',
    signed: true,
    allowRevoked: true,
    handler: unregisterAgent,
  },
  { method: 'PUT', pattern: '/v1/files/{sha256}', auth: 'bearer', signed: true, handler: putFile },
  { method: 'GET', pattern: '/v1/files/{sha256}', auth: 'bearer', signed: false, handler: getFile },
  { method: 'GET', pattern: '/v1/reference/{name}', auth: 'bearer', signed: false, handler: getReference },
  { method: 'GET', pattern: '/v1/agents/{agentId}/writebacks', auth: 'bearer', signed: false, handler: listWritebacks },
  {
    method: 'POST',
    pattern: '/v1/agents/{agentId}/writebacks/{id}/result',
    auth: 'bearer',
    signed: true,
    handler: receiveWritebackResult,
  },
];

const COMPILED = CLOUD_ROUTES.map((route) => ({
  route,
  names: [...route.pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
  regex: new RegExp(`^${route.pattern.replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

export type RouteMatch =
  | { kind: 'found'; route: CloudRoute; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

export function matchCloudRoute(method: string, path: string): RouteMatch {
  const allow: string[] = [];
  for (const { route, names, regex } of COMPILED) {
    const m = regex.exec(path);
    if (m === null) continue;
    if (route.method !== method) {
      allow.push(route.method);
      continue;
    }
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    } catch {
      return { kind: 'not_found' };
    }
    return { kind: 'found', route, params };
  }
  return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
}
