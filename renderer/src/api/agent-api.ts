import type { WindowApi } from '../../../preload/contract.ts';

declare global {
  interface Window {
    tya?: WindowApi;
  }
}

/**
 * The only code in the renderer that knows about transports: Electron IPC through the preload
 * bridge when it exists, otherwise HTTP to the agent's local control API (browser on a headless server).
 */
export function agentApi(): WindowApi {
  if (window.tya) return window.tya;
  return httpAgentApi(new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '');
}

function httpAgentApi(token: string): WindowApi {
  const call = async <T,>(method: string, route: string, body?: unknown) => {
    const response = await fetch(`/api/v1/${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return (await response.json()) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  };
  return {
    getStatus: () => call('GET', 'status'),
    syncNow: (source) => call('POST', 'sync', { source }),
  };
}
