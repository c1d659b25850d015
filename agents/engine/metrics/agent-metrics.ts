/**
 * The agent's figures in Prometheus form. Most are read from status() at scrape time, so they are the
 * very numbers `tya-agent status` and the dashboard show; only what status does not keep (batches
 * delivered, retries and dead letters by error code) is counted from delivery's events.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentStatus } from '../../api/index.ts';
import type { DelivererEvent } from '../../delivery/index.ts';

export interface AgentMetrics {
  registry: Registry;
  noteDelivery(event: DelivererEvent): void;
}

export function createAgentMetrics(status: () => AgentStatus, now: () => number): AgentMetrics {
  const registry = new Registry();
  // One status() per scrape, however many gauges read it.
  let scraped: AgentStatus | null = null;
  const read = (): AgentStatus => (scraped ??= status());
  const ageSecs = (iso: string | null): number => (iso === null ? -1 : Math.max(0, (now() - Date.parse(iso)) / 1000));

  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: AgentStatus) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        fill(this, read());
      },
    });
  };

  gauge('tya_agent_up', 'Whether the agent runs (1) and its version.', ['agent', 'version'], (g, s) =>
    g.set({ agent: s.agent.name, version: s.agent.version }, s.agent.running ? 1 : 0),
  );
  gauge('tya_queue_depth', 'Records waiting in the local outbox.', [], (g, s) => g.set(s.queue.depth));
  gauge('tya_queue_urgent_depth', 'Urgent records (shift closes) waiting in the outbox.', [], (g, s) => g.set(s.queue.urgentDepth));
  gauge('tya_queue_bytes', 'Bytes of queued data.', [], (g, s) => g.set(s.queue.bytes));
  gauge('tya_queue_max_bytes', 'The queue size cap (outbox.maxBytes).', [], (g, s) => g.set(s.queue.maxBytes));
  gauge('tya_queue_oldest_age_seconds', 'Age of the oldest queued record; 0 when the queue is empty.', [], (g, s) =>
    g.set(s.queue.oldestAgeSecs ?? 0),
  );
  gauge('tya_dead_letters', 'Records the cloud refused for good, waiting for a person.', [], (g, s) => g.set(s.queue.deadLetters));
  gauge('tya_capture_paused', 'Whether reading is paused because the queue is full.', [], (g, s) => g.set(s.queue.capturePaused ? 1 : 0));
  gauge('tya_delivered_records_total', 'Records delivered to the cloud since enrollment (kept across restarts).', [], (g, s) =>
    g.set(s.queue.delivered),
  );
  gauge('tya_delivered_records_by_stream_total', 'Records delivered per stream (kept across restarts).', ['source', 'stream'], (g, s) => {
    for (const row of s.queue.streams ?? []) g.set({ source: row.source, stream: row.stream }, row.delivered);
  });
  gauge('tya_cloud_reachable', 'Whether the cloud answered last time (1), not (0), or was not tried (-1).', [], (g, s) =>
    g.set(s.cloud.reachable === null ? -1 : s.cloud.reachable ? 1 : 0),
  );
  gauge('tya_cloud_last_contact_age_seconds', 'Seconds since the cloud last answered; -1: never.', [], (g, s) =>
    g.set(ageSecs(s.cloud.lastContactAt)),
  );
  gauge('tya_delivery_halted', 'Whether delivery stopped itself (revoked, upgrade required…), by kind.', ['kind'], (g, s) => {
    if (s.cloud.halted) g.set({ kind: s.cloud.halted.kind }, 1);
  });
  gauge('tya_source_lag_seconds', 'Seconds since each source last read successfully; -1: never.', ['source'], (g, s) => {
    for (const source of s.sources) g.set({ source: source.name }, ageSecs(source.lastSuccessAt));
  });
  gauge('tya_source_records_captured_total', 'Records each source captured since the agent started.', ['source'], (g, s) => {
    for (const source of s.sources) g.set({ source: source.name }, source.recordsCaptured);
  });
  gauge('tya_source_state', 'Each source state (1 for the current one).', ['source', 'state'], (g, s) => {
    for (const source of s.sources) g.set({ source: source.name, state: source.state }, 1);
  });
  gauge('tya_source_missed_runs', 'Scheduled reads that fell into the last downtime, per scheduled source.', ['source'], (g, s) => {
    for (const source of s.sources) if (source.schedule) g.set({ source: source.name }, source.schedule.missedRuns);
  });
  gauge('tya_source_reads_allowed', 'Whether a scheduled source may read now (0 while a window holds reads back).', ['source'], (g, s) => {
    for (const source of s.sources) if (source.schedule) g.set({ source: source.name }, source.schedule.readsAllowed ? 1 : 0);
  });
  gauge('tya_error', 'Errors in force now, by where and code (1 each).', ['scope', 'code'], (g, s) => {
    if (s.cloud.lastError && s.cloud.reachable === false) g.set({ scope: 'cloud', code: s.cloud.lastError.code }, 1);
    for (const source of s.sources) if (source.state === 'error' && source.lastError) g.set({ scope: `source:${source.name}`, code: source.lastError.code }, 1);
  });
  gauge('tya_alerts', 'Raised alerts by severity.', ['severity'], (g, s) => {
    g.set({ severity: 'warning' }, s.alerts.filter((a) => a.severity === 'warning').length);
    g.set({ severity: 'critical' }, s.alerts.filter((a) => a.severity === 'critical').length);
  });
  gauge('tya_alert', 'Each raised alert (1), by code and severity.', ['code', 'severity'], (g, s) => {
    for (const alert of s.alerts) g.set({ code: alert.code, severity: alert.severity }, 1);
  });

  const batches = new Counter({ name: 'tya_delivered_batches_total', help: 'Batches the cloud accepted since the agent started.', labelNames: ['lane'], registers: [registry] });
  const retries = new Counter({ name: 'tya_delivery_retries_total', help: 'Batch sends that failed and were scheduled again, by error code.', labelNames: ['code'], registers: [registry] });
  const deadLettered = new Counter({ name: 'tya_dead_lettered_records_total', help: 'Records moved to the dead letters since the agent started, by error code.', labelNames: ['code'], registers: [registry] });

  const requestSecs = new Histogram({
    name: 'tya_delivery_request_seconds',
    help: 'How long the cloud took to answer a delivered batch.',
    labelNames: ['lane'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const latencySecs = new Histogram({
    name: 'tya_delivery_latency_seconds',
    help: "From capture of a batch's oldest record to the cloud's acceptance.",
    labelNames: ['lane'],
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });

  const metrics = registry.metrics.bind(registry);
  registry.metrics = async () => {
    scraped = null;
    return metrics();
  };

  return {
    registry,
    noteDelivery(event) {
      if (event.type === 'delivered') {
        batches.inc({ lane: event.lane });
        if (event.requestMs !== undefined) requestSecs.observe({ lane: event.lane }, event.requestMs / 1000);
        if (event.oldestCapturedAt !== undefined) {
          latencySecs.observe({ lane: event.lane }, Math.max(0, (now() - Date.parse(event.oldestCapturedAt)) / 1000));
        }
      }
      else if (event.type === 'retry-scheduled') retries.inc({ code: event.code });
      else if (event.type === 'dead-lettered') deadLettered.inc({ code: event.code }, event.records);
    },
  };
}
