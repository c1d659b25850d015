/**
 * The only code in the renderer that knows about transports (DESIGN.md §6): one interface
 * (WindowApi, from preload/contract.ts), two implementations: Electron IPC through the preload
 * bridge when it exists, otherwise HTTP to the agent's control API with the browser session
 * (cookie + CSRF token) and live events over server-sent events.
 */
import type { LiveEvent } from '../../../agents/api/index.ts';
import type { Result, WindowApi } from '../../../preload/contract.ts';

declare global {
  interface Window {
    tya?: WindowApi;
  }
}

export type { Result, WindowApi };

let chosen: WindowApi | null = null;

export function agentApi(): WindowApi {
  chosen ??= window.tya ?? httpAgentApi();
  return chosen;
}

const PREFIX = '/api/v1';

export function httpAgentApi(base = ''): WindowApi {
  let csrf: Promise<string | null> | null = null;
  const csrfToken = () => {
    csrf ??= fetch(`${base}${PREFIX}/session`, { credentials: 'same-origin' })
      .then((r) => r.json() as Promise<Result<{ csrfToken: string | null }>>)
      .then((r) => (r.ok ? r.value.csrfToken : null))
      .catch(() => null);
    return csrf;
  };
  const call = async <T,>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Result<T>> => {
    try {
      const headers: Record<string, string> = {};
      if (method !== 'GET') {
        headers['content-type'] = 'application/json';
        const token = await csrfToken();
        if (token !== null) headers['x-csrf-token'] = token;
      }
      const response = await fetch(`${base}${PREFIX}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: method === 'GET' ? null : JSON.stringify(body ?? {}),
      });
      const result = (await response.json()) as Result<T>;
      // A stale CSRF token (the agent restarted): fetch a new one once.
      if (!result.ok && result.error.code === 'csrf_mismatch') csrf = null;
      return result;
    } catch {
      return { ok: false, error: { code: 'agent_unreachable', message: 'The dashboard cannot reach the agent. Is it running?' } };
    }
  };
  const query = (values: Record<string, string | undefined>) => {
    const params = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
    const text = params.toString();
    return text === '' ? '' : `?${text}`;
  };
  const name = encodeURIComponent;
  return {
    getStatus: () => call('GET', '/status'),
    syncNow: (source) => call('POST', '/sync', source === undefined ? {} : { source }),
    listSources: () => call('GET', '/sources'),
    saveSource: (draft, original) => (original === undefined ? call('POST', '/sources', draft) : call('PUT', `/sources/${name(original)}`, draft)),
    removeSource: (source) => call('DELETE', `/sources/${name(source)}`),
    testConnection: (draft) => call('POST', '/sources/test', draft),
    discoverTables: (draft) => call('POST', '/sources/discover', draft),
    previewRows: (draft, table, rows) => call('POST', '/sources/preview', { ...draft, table, rows }),
    pauseSource: (source) => call('POST', `/sources/${name(source)}/pause`),
    resumeSource: (source) => call('POST', `/sources/${name(source)}/resume`),
    resyncSource: (source, stream) => call('POST', `/sources/${name(source)}/resync`, stream === undefined ? {} : { stream }),
    listFiles: (source) => call('GET', `/files${query({ source })}`),
    getQueue: () => call('GET', '/queue'),
    retryDeadLetters: (ids) => call('POST', '/dlq/replay', { ids }),
    discardDeadLetters: (ids) => call('POST', '/dlq/discard', { ids }),
    listShifts: () => call('GET', '/shifts'),
    listActivity: (filter) => call('GET', `/activity${query(filter)}`),
    getHistory: () => call('GET', '/history'),
    getSettings: () => call('GET', '/settings'),
    updateSettings: (change) => call('PUT', '/settings', change),
    enroll: (url, key) => call('POST', '/settings/enroll', { url, key }),
    setSecret: (ref, value) => call('PUT', `/settings/secrets/${ref.split('/').map(name).join('%2F')}`, { value }),
    getDiagnostics: () => call('GET', '/diagnostics'),
    listAlerts: () => call('GET', '/alerts'),
    acknowledgeAlert: (code) => call('POST', `/alerts/${name(code)}/ack`),
    subscribe: (listener) => {
      const source = new EventSource(`${base}${PREFIX}/events`, { withCredentials: true });
      source.onmessage = (message: MessageEvent<string>) => {
        try {
          listener(JSON.parse(message.data) as LiveEvent);
        } catch {
          // A malformed event is skipped; the next status event repairs the screen.
        }
      };
      return () => source.close();
    },
  };
}
