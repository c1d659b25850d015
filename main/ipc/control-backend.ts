/**
 * The IPC backend: each contract method as a request to the agent's local control API (token from
 * control.json), mapped by the contract's HTTP_CALLS, so it matches the browser transport exactly.
 */
import { HTTP_CALLS, type InvokeMethod, type Result, type WindowApi } from '../../preload/contract.ts';
import type { IpcBackend } from './ipc-handlers.ts';

export interface ControlEndpoint {
  url: string;
  token: string;
}

export function controlBackend(endpoint: () => ControlEndpoint | null, fetchImpl: typeof fetch = fetch): IpcBackend {
  const call = async (method: InvokeMethod, args: unknown[]): Promise<Result<unknown>> => {
    const target = endpoint();
    if (target === null) return { ok: false, error: { code: 'agent_not_running', message: 'The sync agent is not running.' } };
    const request = (HTTP_CALLS[method] as (...a: unknown[]) => { method: string; path: string; body?: unknown })(...args);
    try {
      const response = await fetchImpl(`${target.url}/api/v1${request.path}`, {
        method: request.method,
        headers: { authorization: `Bearer ${target.token}`, ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: AbortSignal.timeout(120_000),
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
