/**
 * The only code in the renderer that knows about transports (DESIGN.md §6): one interface
 * (WindowApi, from preload/contract.ts), two implementations: Electron IPC through the preload
 * bridge when it exists, otherwise HTTP to the agent's control API with the browser session
 * (cookie + CSRF token) and live events over server-sent events.
 */
import type { LiveEvent } from '../../../agents/api/index.ts';
import { HTTP_CALLS, type HttpCall, type InvokeMethod, type Result, type WindowApi } from '../../../preload/contract.ts';

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
  const call = async (method: HttpCall['method'], path: string, body?: unknown): Promise<Result<unknown>> => {
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
      const result = (await response.json()) as Result<unknown>;
      // A stale CSRF token (the agent restarted): fetch a new one once.
      if (!result.ok && result.error.code === 'csrf_mismatch') csrf = null;
      return result;
    } catch {
      return { ok: false, error: { code: 'agent_unreachable', message: 'The dashboard cannot reach the agent. Is it running?' } };
    }
  };
  const via =
    <M extends InvokeMethod>(method: M) =>
    (...args: Parameters<WindowApi[M]>) => {
      const request = (HTTP_CALLS[method] as (...a: Parameters<WindowApi[M]>) => HttpCall)(...args);
      return call(request.method, request.path, request.body) as ReturnType<WindowApi[M]>;
    };
  return {
    getSession: via('getSession'),
    getStatus: via('getStatus'),
    syncNow: via('syncNow'),
    listSources: via('listSources'),
    saveSource: via('saveSource'),
    removeSource: via('removeSource'),
    testConnection: via('testConnection'),
    discoverTables: via('discoverTables'),
    previewRows: via('previewRows'),
    pauseSource: via('pauseSource'),
    resumeSource: via('resumeSource'),
    resyncSource: via('resyncSource'),
    listFiles: via('listFiles'),
    approveFile: via('approveFile'),
    rejectFile: via('rejectFile'),
    voidFile: via('voidFile'),
    getQueue: via('getQueue'),
    retryDeadLetters: via('retryDeadLetters'),
    discardDeadLetters: via('discardDeadLetters'),
    listShifts: via('listShifts'),
    listActivity: via('listActivity'),
    listAudit: via('listAudit'),
    getHistory: via('getHistory'),
    getCompleteness: via('getCompleteness'),
    getSettings: via('getSettings'),
    updateSettings: via('updateSettings'),
    enroll: via('enroll'),
    setSecret: via('setSecret'),
    getDiagnostics: via('getDiagnostics'),
    listAlerts: via('listAlerts'),
    acknowledgeAlert: via('acknowledgeAlert'),
    testAlertChannels: via('testAlertChannels'),
    getQuarantineSummary: via('getQuarantineSummary'),
    listQuarantine: via('listQuarantine'),
    editQuarantine: via('editQuarantine'),
    replayQuarantine: via('replayQuarantine'),
    discardQuarantine: via('discardQuarantine'),
    listMappings: via('listMappings'),
    previewMapping: via('previewMapping'),
    saveMapping: via('saveMapping'),
    listWriteback: via('listWriteback'),
    listConflicts: via('listConflicts'),
    resolveConflict: via('resolveConflict'),
    confirmWriteback: via('confirmWriteback'),
    getExchange: via('getExchange'),
    getSinks: via('getSinks'),
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
