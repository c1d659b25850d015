/**
 * Live data for every screen: the status pushed by the agent (SSE in a browser, IPC in Electron) and
 * a counter per topic that bumps when the agent says that topic changed, so screens refetch then
 * instead of polling.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { AgentStatus, LiveEvent } from '../../../agents/api/index.ts';
import { agentApi, type Result, type WindowApi } from '../api/agent-api.ts';

type Topic = Extract<LiveEvent, { type: 'changed' }>['topic'];

export interface Live {
  api: WindowApi;
  status: AgentStatus | null;
  error: string | null;
  versions: Record<Topic | 'status', number>;
  refreshStatus: () => void;
}

const initialVersions: Live['versions'] = { status: 0, sources: 0, files: 0, queue: 0, settings: 0, activity: 0, alerts: 0 };
const LiveContext = createContext<Live | null>(null);

export function LiveProvider({ children, api = agentApi() }: { children: ReactNode; api?: WindowApi }) {
  const [status, setStatus] = useState<AgentStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [versions, setVersions] = useState(initialVersions);
  const refreshStatus = useCallback(() => {
    void api.getStatus().then((result) => {
      if (result.ok) {
        setStatus(result.value);
        setError(null);
      } else setError(result.error.message);
    });
  }, [api]);
  useEffect(() => {
    refreshStatus();
    return api.subscribe((event) => {
      if (event.type === 'status') {
        setStatus(event.status);
        setError(null);
        setVersions((v) => ({ ...v, status: v.status + 1 }));
      } else {
        setVersions((v) => ({ ...v, [event.topic]: v[event.topic] + 1 }));
      }
    });
  }, [api, refreshStatus]);
  return <LiveContext.Provider value={{ api, status, error, versions, refreshStatus }}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (live === null) throw new Error('useLive outside LiveProvider');
  return live;
}

export interface Resource<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Loads with `load`, again whenever one of `topics` changes (or the status does, with 'status'). */
export function useResource<T>(load: (api: WindowApi) => Promise<Result<T>>, topics: ReadonlyArray<Topic | 'status'>): Resource<T> {
  const { api, versions } = useLive();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const key = topics.map((topic) => versions[topic]).join(',');
  useEffect(() => {
    let cancelled = false;
    void load(api).then((result) => {
      if (cancelled) return;
      if (result.ok) {
        setData(result.value);
        setError(null);
      } else setError(result.error.message);
    });
    return () => {
      cancelled = true;
    };
    // `load` is a fresh closure each render: the topics' versions and `tick` decide when to reload.
  }, [api, key, tick]);
  return { data, error, reload: () => setTick((n) => n + 1) };
}
