/**
 * A source that keeps failing (failure-watch.ts), with the real capture loop, outbox and SQLite ODBC
 * driver: the stream's table is missing, as after an ERP upgrade renamed it. A short failure the agent
 * rides out raises nothing; failing past the limit raises one critical condition alert that names the
 * source and the error; the first successful read clears it, and a source removed from the config
 * takes its alert with it (at runtime, and at the next start). One stopped stream beside healthy ones
 * (stream-alerts.ts) alerts at once, since the source as a whole never fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { CaptureLoop } from '../../engine/capture-loop.ts';
import { sourceFailingAlertCode } from '../../engine/failure-watch.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { waitFor } from '../../../test/helpers/agent-process.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { odbcCaptureLoop } from './scenarios/capture-loop-harness.ts';
import { OutboxCloud } from './scenarios/outbox-cloud.ts';
import { streamStoppedAlertCode } from './stream-alerts.ts';

const FAILING_ALERT_MS = 1_500;
const CODE = sourceFailingAlertCode('erp');

describe('a source that keeps failing', () => {
  let db: ThrowawayDatabase | undefined;
  let cloud: OutboxCloud | undefined;
  const loops: CaptureLoop[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) await loop.stop();
    cloud?.close();
    await db?.drop();
  });

  type Alert = { code: string; severity: string; message: string; kind?: string };
  function start(tables = ['receipts']): { loop: CaptureLoop; alerts: () => Alert[]; all: () => Alert[] } {
    const config = OdbcSourceSchema.parse({
      type: 'odbc',
      name: 'erp',
      dialect: 'sqlite',
      connectionString: db!.connectionString,
      intervalSecs: 0.05,
      streams: tables.map((table) => ({ name: table, table, keyColumns: ['id'], cursorColumn: 'id' })),
    });
    const outbox = cloud!.outbox;
    const { loop } = odbcCaptureLoop(cloud!, config, { alertsToOutbox: true, reconnectBaseMs: 50, reconnectMaxMs: 200, failingAlertMs: FAILING_ALERT_MS });
    loops.push(loop);
    loop.start();
    return { loop, alerts: () => outbox.listAlerts().filter((a) => a.code === CODE), all: () => outbox.listAlerts() };
  }

  it('alerts once it has failed past the limit, names the error, and clears at the first read', async () => {
    db = createSqliteFile('source-failing');
    await db.exec('CREATE TABLE other (id INTEGER PRIMARY KEY)');
    cloud = new OutboxCloud(systemClock);
    const { alerts } = start();

    // Failing, but not yet for long: nothing goes out.
    await new Promise((resolve) => setTimeout(resolve, FAILING_ALERT_MS / 3));
    expect(alerts()).toEqual([]);

    await waitFor('the failing-source alert', () => alerts().length === 1, { timeoutMs: 15_000 });
    const [alert] = alerts();
    expect(alert).toMatchObject({ severity: 'critical', kind: 'condition' });
    expect(alert!.message).toMatch(/^Source "erp" has not read anything for over 2 seconds; it keeps trying\. Last error: .*receipts/);

    // The table appears (the admin fixed the config or the ERP): the next read succeeds and clears it.
    await db.exec("CREATE TABLE receipts (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO receipts VALUES (1, '4.20');");
    await waitFor('the alert to clear', () => alerts().length === 0, { timeoutMs: 30_000 });
    await waitFor('the row in the queue', () => cloud!.outbox.stats().depth === 1, { timeoutMs: 15_000 });
  }, 60_000);

  it('a source removed from the config takes its alert along, at runtime and at the next start', async () => {
    db = createSqliteFile('source-failing-removed');
    cloud = new OutboxCloud(systemClock);
    const { loop, alerts } = start();
    await waitFor('the failing-source alert', () => alerts().length === 1, { timeoutMs: 15_000 });
    // Stopped because the agent stops: the source still fails, so the alert stands for the next run.
    await loop.stop();
    expect(alerts()).toHaveLength(1);
    CaptureLoop.clearLeftoverAlerts(cloud.outbox, ['erp']);
    expect(alerts()).toHaveLength(1);
    // The next start without the source: gone.
    CaptureLoop.clearLeftoverAlerts(cloud.outbox, ['pos']);
    expect(alerts()).toHaveLength(0);

    // Removed while the agent runs.
    const again = start();
    await waitFor('the failing-source alert', () => again.alerts().length === 1, { timeoutMs: 15_000 });
    await again.loop.stop(true);
    expect(again.alerts()).toHaveLength(0);
  }, 60_000);

  it('one stopped stream beside a healthy one alerts at once, while the healthy one is read; a good read clears it', async () => {
    db = createSqliteFile('stream-stopped');
    await db.exec("CREATE TABLE sales (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO sales VALUES (1, '1.00'), (2, '2.00');");
    cloud = new OutboxCloud(systemClock);
    const { loop, all } = start(['sales', 'refunds']);
    const code = streamStoppedAlertCode('erp', 'refunds');
    await waitFor('the stopped-stream alert', () => all().some((a) => a.code === code), { timeoutMs: 15_000 });
    const alert = all().find((a) => a.code === code)!;
    expect(alert).toMatchObject({ severity: 'critical', kind: 'condition' });
    expect(alert.message).toMatch(/^Stream "refunds" of source "erp" stopped: .*refunds.* The source's other streams go on\.$/);
    await waitFor('the healthy stream in the queue', () => cloud!.outbox.stats().depth === 2, { timeoutMs: 15_000 });
    // Well past the failing-source limit: the source as a whole reads, so that alert stays away.
    await new Promise((resolve) => setTimeout(resolve, FAILING_ALERT_MS + 500));
    expect(all().map((a) => a.code)).toEqual([code]);

    await db.exec("CREATE TABLE refunds (id INTEGER PRIMARY KEY, total TEXT); INSERT INTO refunds VALUES (7, '-1.00');");
    await waitFor('the alert to clear', () => all().length === 0, { timeoutMs: 30_000 });
    await waitFor('the refund in the queue', () => cloud!.outbox.stats().depth === 3, { timeoutMs: 15_000 });

    // A restart finds it standing again (dropped table) and a removed source takes it along.
    await db.exec('DROP TABLE refunds');
    await loop.stop();
    const again = start(['sales', 'refunds']);
    await waitFor('the stopped-stream alert again', () => again.all().some((a) => a.code === code), { timeoutMs: 15_000 });
    await again.loop.stop();
    CaptureLoop.clearLeftoverAlerts(cloud.outbox, ['erp']);
    expect(cloud.outbox.listAlerts().map((a) => a.code)).toEqual([code]);
    CaptureLoop.clearLeftoverAlerts(cloud.outbox, []);
    expect(cloud.outbox.listAlerts()).toEqual([]);
  }, 90_000);
});
