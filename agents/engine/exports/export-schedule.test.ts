import { describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../../api/index.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { ExportSchedule } from './export-schedule.ts';

const config = AgentConfigSchema.parse({
  agent: { name: 'a', dataDir: 'd' },
  cloud: { url: 'http://127.0.0.1:1', entity: 'e' },
  sources: [{ type: 'odbc', name: 'books', dialect: 'sqlite', connectionString: 'Driver=SQLite3;Database=x', timeZone: 'Europe/Berlin', streams: [{ name: 's', table: 't', keyColumns: ['id'], mode: 'snapshot' }] }],
  exports: [
    { name: 'nightly', source: 'books', table: 't', readAt: '30 2 * * *' },
    { name: 'manual', source: 'books', table: 't' },
  ],
});

function harness(failWith?: string) {
  const state = new Map<string, string>();
  const runs: string[] = [];
  const alerts: string[] = [];
  let now = Date.parse('2026-12-06T00:00:00Z');
  const schedule = new ExportSchedule({
    config: () => config,
    state: { getState: (k) => state.get(k), setState: (k, v) => void state.set(k, v) },
    now: () => now,
    logger: createSilentLogger(),
    run: (name) => {
      runs.push(`${name}@${new Date(now).toISOString()}`);
      return failWith === undefined ? Promise.resolve() : Promise.reject(new Error(failWith));
    },
    failed: (name, message) => alerts.push(`failed ${name}: ${message}`),
    succeeded: (name) => alerts.push(`ok ${name}`),
  });
  /** One look at the clock, as a restart or a timer would: start, let it check, stop. */
  const lookAt = async (iso: string) => {
    now = Date.parse(iso);
    schedule.start();
    await schedule.settled();
    await schedule.stop();
  };
  return { schedule, state, runs, alerts, lookAt };
}

describe('scheduled exports', () => {
  it('starts with the next slot, runs each slot once in the source’s zone, and once for slots missed while down', async () => {
    const h = harness();
    await h.lookAt('2026-12-06T00:00:00Z');
    expect(h.runs).toEqual([]);
    expect(h.schedule.nextRuns()).toEqual([{ name: 'nightly', nextRunAt: '2026-12-06T01:30:00.000Z' }]);
    await h.lookAt('2026-12-06T01:29:59Z');
    expect(h.runs).toEqual([]);
    // 02:30 in Berlin is 01:30 UTC in winter.
    await h.lookAt('2026-12-06T01:30:05Z');
    await h.lookAt('2026-12-06T01:45:00Z');
    expect(h.runs).toEqual(['nightly@2026-12-06T01:30:05.000Z']);
    // Down for three nights: one run at start, not three.
    await h.lookAt('2026-12-09T09:00:00Z');
    expect(h.runs).toHaveLength(2);
    expect(h.alerts).toEqual(['ok nightly', 'ok nightly']);
  });

  it('a failed run raises an alert, is not repeated for its slot, and the next slot runs', async () => {
    const h = harness('the database is down');
    await h.lookAt('2026-12-06T00:00:00Z');
    await h.lookAt('2026-12-06T01:31:00Z');
    await h.lookAt('2026-12-06T01:40:00Z');
    expect(h.runs).toHaveLength(1);
    expect(h.alerts).toEqual(['failed nightly: the database is down']);
    await h.lookAt('2026-12-07T01:31:00Z');
    expect(h.runs).toHaveLength(2);
  });
});

describe('export configuration', () => {
  it('refuses duplicate names, a source that is not ODBC, both table and query, and a query that is not a SELECT', () => {
    const result = AgentConfigSchema.safeParse({
      agent: { name: 'a', dataDir: 'd' },
      cloud: { url: 'http://127.0.0.1:1', entity: 'e' },
      sources: [{ type: 'folder', name: 'bank', path: '/tmp/in', kind: 'bank' }],
      exports: [
        { name: 'x', source: 'bank', table: 't' },
        { name: 'x', source: 'nowhere', table: 't', query: 'SELECT 1' },
        { name: 'y', source: 'nowhere', query: 'DELETE FROM t' },
      ],
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toContain('exports.1.name: duplicate export name "x"');
    expect(messages).toContain('exports.0.source: "bank" is not an ODBC source of this config');
    expect(messages).toContain('give either "table" or "query"');
    expect(messages).toContain('exports.2.query: an export query must be one SELECT');
  });
});
