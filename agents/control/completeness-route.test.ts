/**
 * GET /api/v1/completeness over real HTTP, answered from a real outbox: per business day and stream,
 * the records and exact money read, waiting, delivered and refused; bad input is refused with 400.
 */
import { nodeHttp } from '../pipeline/node-http.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompletenessRowSchema } from '../api/index.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import type { Outbox } from '../outbox/index.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import { recordingHandlers } from './control-fixtures.ts';
import { ControlFileSchema } from './control-protocol.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import type { DashboardPort } from './dashboard-port.ts';
import { completenessRows, firstDayOfWindow } from './service/completeness-view.ts';

let tmp: TempDir;
let outbox: Outbox;
let server: ControlServer;
let token: string;
const clock = new ManualClock(Date.parse('2026-11-29T09:00:00Z'));

function get(path: string): Promise<{ status: number; body: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ host: '127.0.0.1', port: server.port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeEach(async () => {
  tmp = makeTempDir();
  outbox = openTestOutbox(tmp.path('o.db'), clock);
  // Only the one method this route uses: the rest of the port is not this test's business.
  const port = {
    subscribe: () => () => undefined,
    completeness: ({ days }: { days: number }) => completenessRows(outbox.dayTotals({ from: firstDayOfWindow(clock.now(), days) })),
  } as unknown as DashboardPort;
  server = await startControlServer({ port: 0, dataDir: tmp.dir, handlers: recordingHandlers(), logger: createSilentLogger(), version: '0.1.0', dashboard: port });
  token = ControlFileSchema.parse(JSON.parse(await readFile(join(tmp.dir, 'control.json'), 'utf8'))).token;
});

afterEach(async () => {
  await server.close();
  outbox.close();
  tmp.remove();
});

describe('GET /api/v1/completeness', () => {
  it('answers read = waiting + delivered + refused per day, money exact', async () => {
    const entry = (id: number, day: string, amount: string) => ({
      stream: 'bank_entries',
      key: { id: String(id) },
      op: 'upsert' as const,
      data: { bookingDate: day, amount, currency: 'EUR' },
      capturedAt: '2026-11-29T08:00:00Z',
    });
    outbox.enqueue({ source: 'bank', stream: 'bank_entries', lane: 'bulk', records: [entry(1, '2026-11-28', '100.10'), entry(2, '2026-11-28', '0.20')], checkpoint: 1 });
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 100, maxBytes: 1_000_000 })!;
    outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    outbox.enqueue({ source: 'bank', stream: 'bank_entries', lane: 'bulk', records: [entry(3, '2026-11-29', '7.05'), entry(4, '2026-11-29', '-2.05')], checkpoint: 2 });
    // Older than the window: not answered.
    outbox.enqueue({ source: 'bank', stream: 'bank_entries', lane: 'bulk', records: [entry(5, '2026-10-01', '1.00')], checkpoint: 3 });

    const res = await get('/api/v1/completeness?days=7');
    expect(res.status).toBe(200);
    const rows = CompletenessRowSchema.array().parse(res.body.value);
    expect(rows.map((r) => [r.day, r.read.records, r.waiting.records, r.delivered.records, r.refused.records])).toEqual([
      ['2026-11-29', 2, 2, 0, 0],
      ['2026-11-28', 2, 0, 2, 0],
    ]);
    expect(rows[1]!.delivered).toEqual({ records: 2, amount: '100.30' });
    expect(rows[1]!.waiting.amount).toBe('0.00');
    expect(rows[0]!.waiting).toEqual({ records: 2, amount: '5.00' });
  });

  it('refuses a window of no days with a message naming the field', async () => {
    const res = await get('/api/v1/completeness?days=0');
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/days/);
  });
});
