import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../api/index.ts';
import { createAgentMetrics } from './agent-metrics.ts';

const NOW = Date.parse('2026-12-06T03:00:00.000Z');

function status(): AgentStatus {
  return {
    agent: { name: 'store-7', version: '1.2.3', pid: 1, running: true, startedAt: '2026-12-06T02:00:00.000Z' },
    enrollment: { enrolled: true, agentId: 'ag_1', cloudUrl: 'https://cloud.example', revoked: false },
    cloud: {
      reachable: false,
      lastContactAt: '2026-12-06T02:59:00.000Z',
      lastError: { code: 'network_error', message: 'refused', at: '2026-12-06T02:59:30.000Z' },
      halted: { kind: 'revoked', message: 'Revoked.' },
    },
    queue: {
      depth: 12, urgentDepth: 2, bytes: 4096, maxBytes: 1_000_000, oldestCapturedAt: '2026-12-06T02:50:00.000Z',
      oldestAgeSecs: 600, deadLetters: 1, delivered: 300, capturePaused: false,
      streams: [{ source: 'pos', stream: 'shift_close', delivered: 7 }],
    },
    sources: [
      { name: 'pos', type: 'odbc', state: 'ok', lastSuccessAt: '2026-12-06T02:59:50.000Z', lastError: null, recordsCaptured: 40 },
      {
        name: 'erp', type: 'odbc', state: 'error', lastSuccessAt: null,
        lastError: { code: 'odbc_connect', message: 'no', at: '2026-12-06T02:58:00.000Z' }, recordsCaptured: 0,
        schedule: { timeZone: 'UTC', readAt: '0 2 * * *', nextReadAt: null, readsAllowed: false, windowChangeAt: null, missedRuns: 3, missedRunPolicy: 'run-once' },
      },
    ],
    alerts: [{ code: 'outbox_full', severity: 'critical', message: 'Full.', since: '2026-12-06T02:00:00.000Z', kind: 'condition' }],
  };
}

describe('agent metrics', () => {
  it('shows status figures at scrape time and counts delivery events', async () => {
    let scrapes = 0;
    const metrics = createAgentMetrics(() => {
      scrapes += 1;
      return status();
    }, () => NOW);
    metrics.noteDelivery({ type: 'delivered', batchId: 'b1', lane: 'urgent', source: 'pos', stream: 'shift_close', accepted: 7, duplicates: 0, stale: 0, rejected: 0, renumbered: 0, requestMs: 120, oldestCapturedAt: '2026-12-06T02:59:58.000Z' });
    metrics.noteDelivery({ type: 'retry-scheduled', batchId: 'b2', lane: 'bulk', attempts: 1, waitMs: 500, code: 'http_503', message: 'busy' });
    metrics.noteDelivery({ type: 'dead-lettered', batchId: 'b3', lane: 'bulk', records: 4, code: 'invalid_batch', message: 'bad' });

    const text = await metrics.registry.metrics();
    const lines = new Set(text.split('\n'));
    for (const line of [
      'tya_agent_up{agent="store-7",version="1.2.3"} 1',
      'tya_queue_depth 12',
      'tya_queue_urgent_depth 2',
      'tya_queue_oldest_age_seconds 600',
      'tya_dead_letters 1',
      'tya_delivered_records_total 300',
      'tya_delivered_records_by_stream_total{source="pos",stream="shift_close"} 7',
      'tya_cloud_reachable 0',
      'tya_cloud_last_contact_age_seconds 60',
      'tya_delivery_halted{kind="revoked"} 1',
      'tya_source_lag_seconds{source="pos"} 10',
      'tya_source_lag_seconds{source="erp"} -1',
      'tya_source_state{source="erp",state="error"} 1',
      'tya_source_missed_runs{source="erp"} 3',
      'tya_source_reads_allowed{source="erp"} 0',
      'tya_error{scope="cloud",code="network_error"} 1',
      'tya_error{scope="source:erp",code="odbc_connect"} 1',
      'tya_alerts{severity="critical"} 1',
      'tya_alert{code="outbox_full",severity="critical"} 1',
      'tya_delivered_batches_total{lane="urgent"} 1',
      'tya_delivery_retries_total{code="http_503"} 1',
      'tya_dead_lettered_records_total{code="invalid_batch"} 4',
      'tya_delivery_request_seconds_bucket{le="0.25",lane="urgent"} 1',
      'tya_delivery_request_seconds_bucket{le="0.1",lane="urgent"} 0',
      'tya_delivery_latency_seconds_bucket{le="2",lane="urgent"} 1',
      'tya_delivery_latency_seconds_bucket{le="1",lane="urgent"} 0',
    ]) {
      expect(lines.has(line), `${line}\n---\n${text}`).toBe(true);
    }
    expect(scrapes).toBe(1);
    await metrics.registry.metrics();
    expect(scrapes).toBe(2);
  });
});
