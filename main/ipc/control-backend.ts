/**
 * The IPC backend: each contract method as a request to the agent's local control API, mapped by
 * the contract's HTTP_CALLS, so it matches the browser transport exactly. The tray reaches the
 * agent through the admin socket when it runs as the agent's user (no token needed: the socket's
 * permissions are the check), otherwise over TCP with the token from control.json.
 */
import { request } from 'node:http';
import { HTTP_CALLS, type InvokeMethod, type Result, type WindowApi } from '../../preload/contract.ts';
import type { IpcBackend } from './ipc-handlers.ts';

export type ControlEndpoint = { url: string; token: string } | { socketPath: string };

const TIMEOUT_MS = 120_000;

export function controlBackend(endpoint: () => ControlEndpoint | null, fetchImpl: typeof fetch = fetch): IpcBackend {
  const call = async (method: InvokeMethod, args: unknown[]): Promise<Result<unknown>> => {
    const target = endpoint();
    if (target === null) return { ok: false, error: { code: 'agent_not_running', message: 'The sync agent is not running.' } };
    const call = (HTTP_CALLS[method] as (...a: unknown[]) => { method: string; path: string; body?: unknown })(...args);
    try {
      if ('socketPath' in target) return await overSocket(target.socketPath, call);
      const response = await fetchImpl(`${target.url}/api/v1${call.path}`, {
        method: call.method,
        headers: { authorization: `Bearer ${target.token}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: call.body === undefined ? null : JSON.stringify(call.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return (await response.json()) as Result<unknown>;
    } catch {
      return { ok: false, error: { code: 'agent_unreachable', message: 'The app cannot reach the sync agent. Is it running?' } };
    }
  };
  const backend = {} as Record<InvokeMethod, (...args: unknown[]) => Promise<Result<unknown>>>;
  for (const method of Object.keys(HTTP_CALLS) as InvokeMethod[]) backend[method] = (...args) => call(method, args);
  return backend as unknown as Omit<WindowApi, 'subscribe'>;
}

/** fetch cannot speak to a unix socket; node:http can. */
function overSocket(socketPath: string, call: { method: string; path: string; body?: unknown }): Promise<Result<unknown>> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method: call.method,
        path: `/api/v1${call.path}`,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Result<unknown>);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
