/**
 * Seeded data for every dashboard screen, served from the built renderer with a canned window API
 * (the same seam the Electron preload fills), so screens render without an agent: for
 * `npm run screens` (the README's pictures) and the seeded layout test (clipped text, sideways
 * scroll, focus rings on every screen). Everything is derived from one frozen instant, so two runs
 * draw the same pixels.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { AgentStatus } from '../../agents/api/index.ts';
import { healthyStatus } from '../../main/status-test-kit.ts';
import { REPO_ROOT } from './agent-process.ts';
import { seededWriteback } from './ui-seed-writeback.ts';

/** Saturday 28 November 2026, 22:30 in Vienna: the evening after the tills closed. */
export const FROZEN = Date.parse('2026-11-28T21:30:00Z');
export const RENDERER = path.join(REPO_ROOT, 'dist', 'renderer');

function iso(offsetMs: number): string {
  return new Date(FROZEN + offsetMs).toISOString();
}

function seededStatus(): AgentStatus {
  const status = healthyStatus();
  status.agent.name = 'Store 7 back office';
  status.agent.startedAt = iso(-26 * 3600_000);
  status.cloud.lastContactAt = iso(-4000);
  status.queue = { ...status.queue, depth: 42, urgentDepth: 0, oldestCapturedAt: iso(-9000), oldestAgeSecs: 9, delivered: 18_734 };
  status.sources = [
    { name: 'erp', type: 'odbc', state: 'ok', lastSuccessAt: iso(-3000), lastError: null, recordsCaptured: 12_480 },
    { name: 'bank', type: 'folder', state: 'ok', lastSuccessAt: iso(-3600_000), lastError: null, recordsCaptured: 214, schedule: { timeZone: 'Europe/Vienna', readAt: '30 7 * * mon-fri', nextReadAt: '2026-11-30T06:30:00.000Z', readsAllowed: true, windowChangeAt: null, missedRuns: 0, missedRunPolicy: 'run-once' }, notices: [{ message: 'statement-0412.xml imported: 36 entries.', at: iso(-3600_000) }] },
    { name: 'tills', type: 'folder', state: 'ok', lastSuccessAt: iso(-49 * 60_000), lastError: null, recordsCaptured: 6, notices: [{ message: 'Z-00412 (register till-1) uploaded.', at: iso(-49 * 60_000) }] },
  ];
  status.alerts = [
    { code: 'file_quarantined:bank:wrong.xml', severity: 'warning', message: 'wrong.xml was rejected: the closing balance does not match (difference -0.01 EUR).', since: iso(-2 * 3600_000), kind: 'event' },
    { code: 'clock_skew', severity: 'warning', message: "This computer's clock is about 3 minutes behind the cloud's clock: set the correct time (automatic time / NTP).", since: iso(-5 * 3600_000), kind: 'condition' },
  ];
  return status;
}

/**
 * 24 hours of one point per minute, shaped like a shop's day (quiet at night, busy while open) from
 * a fixed formula rather than randomness; the last point's depth is the status's queue depth.
 */
function seededHistory(depthNow: number): Array<{ at: string; delivered: number; depth: number }> {
  return Array.from({ length: 24 * 60 }, (_, i) => {
    const minute = i - 24 * 60 + 1;
    const localHour = (new Date(FROZEN + minute * 60_000).getUTCHours() + 1) % 24;
    const open = localHour >= 8 && localHour < 23;
    const busy = open ? 1 + Math.sin(((localHour - 8) / 15) * Math.PI) : 0;
    const last = i === 24 * 60 - 1;
    return {
      at: iso(minute * 60_000),
      delivered: open ? Math.round(busy * (6 + ((i * 7) % 5))) : i % 37 === 0 ? 1 : 0,
      depth: last ? depthNow : open ? Math.round(busy * (10 + ((i * 13) % 9))) : 0,
    };
  });
}

/** What every call of the window API answers (a call not named here answers an empty list). */
function completenessRow(
  day: string,
  source: string,
  stream: string,
  currency: string,
  read: [number, string],
  waiting: [number, string],
  delivered: [number, string],
) {
  const figure = ([records, amount]: [number, string]) => ({ records, amount });
  return { day, source, stream, currency, read: figure(read), waiting: figure(waiting), delivered: figure(delivered), refused: { records: 0, amount: '0.00' } };
}

export function seededAnswers(): Record<string, unknown> {
  const status = seededStatus();
  const source = (name: string, type: 'odbc' | 'folder', config: Record<string, unknown>) => ({
    ...status.sources.find((s) => s.name === name)!,
    paused: false,
    config: { type, name, ...config },
    password: type === 'odbc' ? { ref: 'sources/erp/password', setAt: iso(-40 * 86_400_000), present: true } : null,
  });
  return {
    getSession: { role: 'admin', via: 'token', csrfToken: null },
    getStatus: status,
    getHistory: seededHistory(status.queue.depth),
    listSources: [
      source('erp', 'odbc', {
        dialect: 'postgresql',
        connectionString: 'Driver={PostgreSQL Unicode};Server=10.0.0.5;Port=5432;Database=erp;Uid=tya_reader',
        password: { secretRef: 'sources/erp/password' },
        timeZone: 'Europe/Vienna',
        streams: [
          { name: 'sales_receipts', table: 'public.sales_receipts', keyColumns: ['id'], mode: 'incremental', cursorColumn: 'updated_at' },
          { name: 'customers', table: 'public.customers', keyColumns: ['customer_no'], mode: 'snapshot' },
        ],
      }),
      source('bank', 'folder', { path: '/srv/bank', kind: 'bank', timeZone: 'Europe/Vienna' }),
      source('tills', 'folder', { path: '/srv/tills', kind: 'zreport', timeZone: 'Europe/Vienna' }),
    ],
    listFiles: [
      { source: 'tills', name: 'Z-00412.json', outcome: 'imported', at: iso(-49 * 60_000), bytes: 4_812, reason: null, detail: null, path: '/srv/tills/.tya/archive/2026-11-28/Z-00412.json', upload: 'uploaded', sha256: null, void: null },
      { source: 'bank', name: 'wrong.xml', outcome: 'rejected', at: iso(-2 * 3600_000), bytes: 9_204, reason: 'the closing balance does not match the entries (difference -0.01 EUR).', detail: 'camt.053 statement 2 of AT61 1904 3002 3457 3201: opening 0.00 + entries 1,234.56 = 1,234.56, but the closing balance says 1,234.55.', path: '/srv/bank/.tya/quarantine/wrong.xml', upload: 'none', sha256: null, void: null },
      { source: 'bank', name: 'statement-0412.xml', outcome: 'imported', at: iso(-3600_000), bytes: 28_311, reason: null, detail: null, path: '/srv/bank/.tya/archive/2026-11-28/statement-0412.xml', upload: 'uploaded', sha256: null, void: null },
      { source: 'bank', name: 'statement-0411.xml', outcome: 'duplicate', at: iso(-5 * 3600_000), bytes: 27_904, reason: 'the same file was imported on 27 Nov 2026 at 18:02.', detail: null, path: '/srv/bank/.tya/archive/2026-11-28/statement-0411.xml', upload: 'none', sha256: null, void: null },
    ],
    getQueue: {
      streams: [
        { source: 'erp', stream: 'sales_receipts', lane: 'bulk', depth: 40, oldestCapturedAt: iso(-9000), oldestAgeSecs: 9 },
        { source: 'erp', stream: 'customers', lane: 'bulk', depth: 2, oldestCapturedAt: iso(-4000), oldestAgeSecs: 4 },
      ],
      deadLetters: [
        { id: 7, source: 'erp', stream: 'sales_receipts', key: { id: '7' }, reasonCode: 'amount_negative', reasonMessage: 'Amount may not be negative here.', failedAt: iso(-20 * 60_000), capturedAt: iso(-21 * 60_000), attempts: 1 },
      ],
      deadLetterTotal: 1,
    },
    // read = waiting + delivered + refused, records and money alike (as the agent keeps them).
    getCompleteness: [
      completenessRow('2026-11-28', 'erp', 'sales_receipts', 'EUR', [412, '10983.40'], [40, '1024.10'], [372, '9959.30']),
      completenessRow('2026-11-28', 'tills', 'shift_reports', 'EUR', [2, '3532.85'], [0, '0.00'], [2, '3532.85']),
      completenessRow('2026-11-28', 'bank', 'bank_entries', 'EUR', [36, '1234.56'], [0, '0.00'], [36, '1234.56']),
      completenessRow('2026-11-27', 'erp', 'sales_receipts', 'EUR', [388, '9871.25'], [0, '0.00'], [388, '9871.25']),
      completenessRow('2026-11-27', 'tills', 'shift_reports', 'EUR', [1, '1998.10'], [0, '0.00'], [1, '1998.10']),
    ],
    listShifts: [
      { source: 'pos-db', register: '101', zLabel: 'Z-403', businessDay: '2026-11-28', closedAt: '2026-11-28T22:05:00+01:00', currency: 'EUR', total: '241.30', overShort: '-4.82', balanced: false, file: null, document: 'shift_close', upload: 'pending' },
      { source: 'tills', register: 'till-1', zLabel: 'Z-00412', businessDay: '2026-11-28', closedAt: '2026-11-28T21:41:00+01:00', currency: 'EUR', total: '2345.60', overShort: '0.00', balanced: true, file: 'Z-00412.json', document: null, upload: 'uploaded' },
      { source: 'tills', register: 'till-2', zLabel: 'Z-00207', businessDay: '2026-11-28', closedAt: '2026-11-28T21:12:00+01:00', currency: 'EUR', total: '1187.25', overShort: '-2.50', balanced: false, file: 'Z-00207.json', document: null, upload: 'uploaded' },
      { source: 'pos-db', register: '102', zLabel: 'Z-401', businessDay: '2026-11-27', closedAt: '2026-11-27T21:58:00+01:00', currency: 'EUR', total: '512.70', overShort: null, balanced: true, file: null, document: 'shift_close', upload: 'uploaded' },
      { source: 'tills', register: 'till-1', zLabel: 'Z-00411', businessDay: '2026-11-27', closedAt: '2026-11-27T21:37:00+01:00', currency: 'EUR', total: '1998.10', overShort: '0.40', balanced: false, file: 'Z-00411.json', document: null, upload: 'uploaded' },
    ],
    listActivity: [
      { at: iso(-49 * 60_000), kind: 'file', source: 'tills', message: 'Z-00412 from till-1 was imported and uploaded.' },
      { at: iso(-2 * 3600_000), kind: 'file', source: 'bank', message: 'wrong.xml was rejected: the closing balance does not match (difference -0.01 EUR).' },
      { at: iso(-3 * 3600_000), kind: 'queue', source: 'erp', message: '1 changes were put back in the queue to be sent again.' },
      { at: iso(-26 * 3600_000), kind: 'config', source: null, message: 'The source erp was saved.' },
    ],
    getSettings: {
      configFile: '/etc/tya-agent/agent.json',
      agentName: 'Store 7 back office',
      cloud: { url: 'https://cloud.talktoyouraccounts.example', entity: 'store-7', timeoutMs: 30_000, heartbeatIntervalSecs: 60 },
      enrollment: { enrolled: true, agentId: 'agt_01JDZ8K3W6', cloudUrl: 'https://cloud.talktoyouraccounts.example' },
      logLevel: 'info',
      secrets: [
        { ref: 'sources/erp/password', setAt: iso(-40 * 86_400_000), present: true, usedBy: [{ kind: 'source', name: 'erp' }] },
        { ref: 'smtp/password', setAt: iso(-12 * 86_400_000), present: true, usedBy: [{ kind: 'alertEmail' }] },
      ],
      alertChannels: [
        { channel: 'webhook', target: 'https://hooks.store7.example', minSeverity: 'warning' },
        { channel: 'email', target: 'it@store7.example via mail.store7.example:587', minSeverity: 'critical' },
      ],
      history: [{ file: '/etc/tya-agent/agent.json.1', savedAt: iso(-26 * 3600_000) }],
    },
    testAlertChannels: [
      { channel: 'webhook', target: 'https://hooks.store7.example', minSeverity: 'warning', ok: true, ms: 212, error: null, unconfirmed: false },
      {
        channel: 'email', target: 'it@store7.example via mail.store7.example:587', minSeverity: 'critical', ok: false, ms: 1840, unconfirmed: false,
        error: 'EAUTH: Invalid login: 535 5.7.8 Authentication credentials invalid. Check notify.email (host, port, secure), the username and the password stored as "smtp/password" (tya-agent secret set smtp/password), and that the server may relay for tya-agent@store7.example.',
      },
    ],
    getDiagnostics: {
      checks: [
        { name: 'Configuration', status: 'ok', message: '' },
        { name: 'Keychain', status: 'ok', message: '' },
        { name: 'ODBC driver for erp', status: 'ok', message: 'PostgreSQL Unicode 16.00.0000' },
        { name: 'Free disk space', status: 'warn', message: 'Only 1.8 GB are free on /var/lib/tya-agent; the queue may need up to 2 GB.' },
      ],
      logFile: '/var/log/tya-agent/agent.log',
      // More lines than the box shows: the screen scrolls it to the newest.
      logTail: [
        ...Array.from({ length: 40 }, (_, i) => `{"level":30,"time":"2026-11-28T21:${String(10 + Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}Z","component":"delivery","msg":"Delivered a batch of ${i + 1} records."}`),
        '{"level":30,"time":"2026-11-28T21:29:56Z","component":"delivery","msg":"Delivered a batch of 12 records."}',
        '{"level":30,"time":"2026-11-28T21:29:58Z","component":"source.odbc","source":"erp","msg":"Read 3 changed rows from public.sales_receipts."}',
      ],
    },
    listAlerts: status.alerts,
    ...seededQuarantine(),
    ...seededWriteback(iso),
  };
}

const SALES_MAPPING = `{
  "stream": "sales_receipts",
  "input": { "id": "integer", "total": "money", "customer": "text" },
  "fields": {
    "receiptId": { "expr": "id", "type": "integer" },
    "gross": { "expr": "$round($decimalMul(total, \\"1.2\\"), 2, 'HALF_EVEN')", "type": "money", "required": true },
    "customer": { "expr": "$trim(customer)", "type": "text", "required": true }
  }
}
`;

/** The Quarantine screen and the mapping editor: two stopped receipts (one corrected) and one mapping. */
function seededQuarantine(): Record<string, unknown> {
  const entry = (id: number, key: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id, source: 'erp', stream: 'sales_receipts', key: { id: key }, op: 'upsert', seq: 18_700 + id, capturedAt: iso(-(40 - id) * 60_000),
    data, stage: 'mapping', status: 'quarantined', quarantinedAt: iso(-(40 - id) * 60_000),
    reasons: [{ code: 'mapping_required', path: 'customer', value: null, message: 'Field "customer" is required but the record has none: enter the customer in the ERP or correct it here, then replay.', severity: 'reject' }],
    ...extra,
  });
  return {
    getQuarantineSummary: [{ source: 'erp', stream: 'sales_receipts', quarantined: 2, held: 0, spikePaused: true }],
    listQuarantine: [
      entry(2, '10412', { id: 10412, total: '19.99', customer: 'Dee' }, { originalData: { id: 10412, total: '19.99', customer: null } }),
      entry(1, '10398', { id: 10398, total: '3.33', customer: null }),
    ],
    listMappings: [{ source: 'erp', stream: 'sales_receipts', mappingFile: '/etc/tya-agent/sales.mapping.json', text: SALES_MAPPING, rulesFile: null }],
    previewMapping: {
      refusals: [], mapped: 2, failed: 1, rulesNotPreviewed: false,
      rows: [
        { key: { id: '10396' }, op: 'upsert', input: { id: 10396, total: '10.00', customer: 'Ada ' }, output: { receiptId: 10396, gross: '12.00', customer: 'Ada' } },
        { key: { id: '10397' }, op: 'upsert', input: { id: 10397, total: '0.10', customer: 'Bo' }, output: { receiptId: 10397, gross: '0.12', customer: 'Bo' } },
        { key: { id: '10398' }, op: 'upsert', input: { id: 10398, total: '3.33', customer: null }, error: { code: 'required', field: 'customer', message: 'Field "customer" is required but the expression gave nothing.' } },
      ],
    },
  };
}

/** The script a page runs before its own: a canned window API answering from `answers`, and the language. */
export function injectedApi(answers: Record<string, unknown>, locale: 'en' | 'de'): string {
  return `(() => {
    const data = ${JSON.stringify(answers)};
    const answer = (name) => () => Promise.resolve({ ok: true, value: name in data ? structuredClone(data[name]) : [] });
    window.tya = new Proxy({}, { get: (_t, name) => (name === 'subscribe' ? () => () => undefined : answer(String(name))) });
    localStorage.setItem('tya.locale', ${JSON.stringify(locale)});
  })();`;
}

/** Serves the built renderer (dist/renderer) on a loopback port. */
export async function serveRenderer(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(RENDERER, rel);
    try {
      if (!file.startsWith(RENDERER) || !statSync(file).isFile()) throw new Error('not found');
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.svg') ? 'image/svg+xml' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * Opens one screen on a fresh page with the clock frozen and the seeded answers, and waits until it
 * has drawn (fonts loaded, no pending frame) so a screenshot is the same on every run.
 */
export async function openSeededScreen(page: Page, baseUrl: string, screen: string, locale: 'en' | 'de'): Promise<void> {
  // Installed a minute early, then paused at the frozen instant: installing at it would let a few real
  // milliseconds pass, and pausing "at" a moment already gone fails (or would drift between runs).
  await page.clock.install({ time: FROZEN - 60_000 });
  await page.clock.pauseAt(FROZEN);
  await page.addInitScript(injectedApi(seededAnswers(), locale));
  await page.goto(`${baseUrl}/#/${screen}`);
  await page.locator('#page-title').waitFor();
  await page.evaluate('document.fonts.ready.then(() => undefined)');
  // The canned answers resolve at once; a short real wait lets React draw them (the page's clock is paused).
  await page.waitForTimeout(200);
  await page.evaluate('document.activeElement && document.activeElement.blur()');
}
