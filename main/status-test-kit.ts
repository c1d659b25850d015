/** A healthy status for main/ tests (main/ may import only agents/api, so not the control fixtures). */
import type { AgentStatus } from '../agents/api/index.ts';

export function healthyStatus(): AgentStatus {
  return {
    agent: { name: 'office-1', version: '0.1.0', pid: 4242, running: true, startedAt: '2026-03-01T08:00:00.000+01:00' },
    enrollment: { enrolled: true, agentId: 'agt_01', cloudUrl: 'https://cloud.example', revoked: false },
    cloud: { reachable: true, lastContactAt: '2026-03-01T08:05:00Z', lastError: null },
    queue: { depth: 0, urgentDepth: 0, bytes: 0, maxBytes: 1_000_000, oldestCapturedAt: null, oldestAgeSecs: null, deadLetters: 0, delivered: 17, capturePaused: false },
    sources: [{ name: 'erp', type: 'odbc', state: 'ok', lastSuccessAt: '2026-03-01T08:04:30Z', lastError: null, recordsCaptured: 20 }],
    alerts: [],
  };
}
