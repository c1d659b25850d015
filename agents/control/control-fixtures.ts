/**
 * A canned status and handlers that record their calls: a stand-in engine for tests of the control
 * API, the CLI and the browser UI, so they exercise real HTTP without a whole agent.
 */
import type { AgentStatus } from '../api/index.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { ControlHandlers, DeadLetterIds } from './control-protocol.ts';

export const SAMPLE_STATUS: AgentStatus = {
  agent: { name: 'office-1', version: '0.1.0', pid: 4242, running: true, startedAt: '2026-03-01T08:00:00.000+01:00' },
  enrollment: { enrolled: true, agentId: 'agt_01', cloudUrl: 'https://cloud.example', revoked: false },
  cloud: { reachable: true, lastContactAt: '2026-03-01T08:05:00Z', lastError: null },
  queue: {
    depth: 3,
    urgentDepth: 1,
    bytes: 2048,
    maxBytes: 1_000_000,
    oldestCapturedAt: '2026-03-01T08:04:00Z',
    oldestAgeSecs: 60,
    deadLetters: 2,
    delivered: 17,
    capturePaused: false,
  },
  sources: [
    {
      name: 'erp',
      type: 'odbc',
      state: 'ok',
      lastSuccessAt: '2026-03-01T08:04:30Z',
      lastError: null,
      recordsCaptured: 20,
    },
  ],
  alerts: [],
};

/**
 * Handlers that record what they were asked. `syncNow('missing')` fails as an expected AgentError;
 * discarding id 13 fails as a bug (a plain Error).
 */
export function recordingHandlers(): ControlHandlers & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    status: () => SAMPLE_STATUS,
    syncNow: (source?: string) => {
      calls.push(['syncNow', source]);
      if (source === 'missing')
        return Promise.reject(new AgentError('unknown_source', 'No source is named "missing".'));
      return Promise.resolve();
    },
    listDeadLetters: (limit: number) => {
      calls.push(['listDeadLetters', limit]);
      return Promise.resolve([{ id: 1, reason: 'rejected' }]);
    },
    replayDeadLetters: (ids: DeadLetterIds) => {
      calls.push(['replay', ids]);
      return Promise.resolve(ids === 'all' ? 9 : ids.length);
    },
    discardDeadLetters: (ids: DeadLetterIds) => {
      calls.push(['discard', ids]);
      if (ids !== 'all' && ids.includes(13)) return Promise.reject(new Error('a bug with internal details'));
      return Promise.resolve(ids === 'all' ? 9 : ids.length);
    },
  };
}
