/**
 * `npm run screens`: the README's screenshots (overview, sources, completeness, shifts) into
 * docs/screens/, from the built renderer with a frozen clock and seeded data (a canned window API
 * injected before the page loads, the same seam the Electron preload uses), so they change only
 * when the screens do; the tray icons of every state and size into assets/icons/, and a sheet of
 * them with each state's tooltip into docs/screens/tray-icons.png (the Electron binary cannot run here).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AgentStatus } from '../../agents/api/index.ts';
import { healthyStatus } from '../../main/status-test-kit.ts';
import { trayIconSvg } from '../../main/tray/tray-icons.ts';
import { TRAY_ICON_SIZES, TRAY_STATES, trayIconFile, trayStateFromStatus, type TrayStateName } from '../../main/tray/tray-state.ts';
import { REPO_ROOT } from './agent-process.ts';
import { launchBrowser } from './ui-browser.ts';

const FROZEN = Date.parse('2026-11-28T21:30:00Z');
const DOCS = path.join(REPO_ROOT, 'docs', 'screens');
const ICONS = path.join(REPO_ROOT, 'assets', 'icons');
const RENDERER = path.join(REPO_ROOT, 'dist', 'renderer');

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
    { name: 'bank', type: 'folder', state: 'ok', lastSuccessAt: iso(-3600_000), lastError: null, recordsCaptured: 214, notices: [{ message: 'statement-0412.xml imported: 36 entries.', at: iso(-3600_000) }] },
    { name: 'tills', type: 'folder', state: 'ok', lastSuccessAt: iso(-49 * 60_000), lastError: null, recordsCaptured: 6, notices: [{ message: 'Z-00412 (register till-1) uploaded.', at: iso(-49 * 60_000) }] },
  ];
  status.alerts = [{ code: 'file_quarantined:bank:wrong.xml', severity: 'warning', message: 'wrong.xml was rejected: the closing balance does not match (difference -0.01 EUR).', since: iso(-2 * 3600_000) }];
  return status;
}

/** Everything the four screens ask for, deterministic. */
function seed(): Record<string, unknown> {
  const status = seededStatus();
  const history = Array.from({ length: 24 * 60 }, (_, i) => {
    const minute = i - 24 * 60;
    const hour = new Date(FROZEN + minute * 60_000).getUTCHours();
    const open = hour >= 7 && hour < 21;
    return { at: iso(minute * 60_000), delivered: open ? 8 + ((i * 7) % 11) : (i % 17 === 0 ? 2 : 0), depth: open ? (i * 13) % 40 : 0 };
  });
  const source = (name: string, type: 'odbc' | 'folder', config: Record<string, unknown>) => ({
    ...status.sources.find((s) => s.name === name)!,
    paused: false,
    config: { type, name, ...config },
    password: type === 'odbc' ? { ref: 'sources/erp/password', setAt: iso(-40 * 86_400_000), present: true } : null,
  });
  return {
    getStatus: status,
    getHistory: history,
    listSources: [
      source('erp', 'odbc', { dialect: 'postgresql', connectionString: 'Driver={PostgreSQL Unicode};Server=10.0.0.5;Port=5432;Database=erp;Uid=tya_reader', timeZone: 'Europe/Vienna' }),
      source('bank', 'folder', { path: '/srv/bank', kind: 'bank', timeZone: 'Europe/Vienna' }),
      source('tills', 'folder', { path: '/srv/tills', kind: 'zreport', timeZone: 'Europe/Vienna' }),
    ],
    getQueue: {
      streams: [
        { source: 'erp', stream: 'sales_receipts', lane: 'bulk', depth: 40, oldestCapturedAt: iso(-9000), oldestAgeSecs: 9 },
        { source: 'erp', stream: 'customers', lane: 'bulk', depth: 2, oldestCapturedAt: iso(-4000), oldestAgeSecs: 4 },
      ],
      deadLetters: [],
      deadLetterTotal: 0,
    },
    listShifts: [
      { source: 'tills', register: 'till-1', zLabel: 'Z-00412', businessDay: '2026-11-28', closedAt: '2026-11-28T21:41:00+01:00', currency: 'EUR', total: '2345.60', overShort: '0.00', file: 'Z-00412.json', upload: 'uploaded' },
      { source: 'tills', register: 'till-2', zLabel: 'Z-00207', businessDay: '2026-11-28', closedAt: '2026-11-28T21:12:00+01:00', currency: 'EUR', total: '1187.25', overShort: '-2.50', file: 'Z-00207.json', upload: 'uploaded' },
      { source: 'tills', register: 'till-1', zLabel: 'Z-00411', businessDay: '2026-11-27', closedAt: '2026-11-27T21:37:00+01:00', currency: 'EUR', total: '1998.10', overShort: '0.40', file: 'Z-00411.json', upload: 'uploaded' },
    ],
  };
}

function injectedApi(data: Record<string, unknown>): string {
  return `(() => {
    const data = ${JSON.stringify(data)};
    const answer = (name) => () => Promise.resolve(name in data ? { ok: true, value: data[name] } : { ok: true, value: [] });
    window.tya = new Proxy({}, { get: (_t, name) => (name === 'subscribe' ? () => () => undefined : answer(String(name))) });
    localStorage.setItem('tya.locale', 'en');
  })();`;
}

async function serveRenderer(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(RENDERER, rel);
    try {
      if (!file.startsWith(RENDERER) || !statSync(file).isFile()) throw new Error('not found');
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function statusFor(state: TrayStateName): AgentStatus {
  const s = healthyStatus();
  if (state === 'syncing') s.queue.depth = 42;
  if (state === 'attention') s.queue.deadLetters = 3;
  if (state === 'error') s.agent.running = false;
  if (state === 'paused') s.sources[0]!.state = 'paused';
  if (state === 'offline') {
    s.cloud.reachable = false;
    s.queue.depth = 128;
  }
  return s;
}

async function main(): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  mkdirSync(ICONS, { recursive: true });
  const browser = await launchBrowser();
  const server = await serveRenderer();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Vienna' });
    for (const screen of ['overview', 'sources', 'completeness', 'shifts']) {
      const page = await context.newPage();
      await page.clock.install({ time: FROZEN });
      await page.clock.pauseAt(FROZEN);
      await page.addInitScript(injectedApi(seed()));
      await page.goto(`${server.url}/#/${screen}`);
      await page.locator('#page-title').waitFor();
      await page.waitForTimeout(300);
      await page.evaluate('document.activeElement && document.activeElement.blur()');
      await page.screenshot({ path: path.join(DOCS, `${screen}.png`), fullPage: true });
      await page.close();
    }
    const icons = await browser.newContext({ deviceScaleFactor: 1 });
    const page = await icons.newPage();
    for (const state of TRAY_STATES) {
      const svg = trayIconSvg(state);
      writeFileSync(path.join(ICONS, `tray-${state}.svg`), svg);
      for (const size of TRAY_ICON_SIZES) {
        await page.setContent(`<body style="margin:0;background:transparent"><img id="i" width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body>`);
        await page.locator('#i').screenshot({ path: path.join(ICONS, trayIconFile(state, size)), omitBackground: true });
      }
    }
    const rows = TRAY_STATES.map((state) => {
      const sizes = TRAY_ICON_SIZES.map((size) => `<img alt="" width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(trayIconSvg(state)).toString('base64')}">`).join(' ');
      const tooltip = trayStateFromStatus(statusFor(state)).tooltip.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      return `<tr><th>${state}</th><td>${sizes}</td><td>${tooltip}</td></tr>`;
    });
    await page.setViewportSize({ width: 900, height: 400 });
    await page.setContent(
      `<body style="font:15px system-ui,sans-serif;margin:16px"><h1 style="font-size:18px">Tray icons (16, 24, 32, 48 px) and tooltips</h1>` +
        `<table style="border-collapse:collapse" cellpadding="8">${rows.join('')}</table></body>`,
    );
    await page.screenshot({ path: path.join(DOCS, 'tray-icons.png'), fullPage: true });
  } finally {
    server.close();
    await browser.close();
  }
  process.stdout.write(`Wrote docs/screens/{overview,sources,completeness,shifts,tray-icons}.png and ${TRAY_STATES.length * TRAY_ICON_SIZES.length} tray icons into assets/icons/.\n`);
}

await main();
