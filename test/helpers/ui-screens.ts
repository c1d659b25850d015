/**
 * `npm run screens`: the README's screenshots (overview, sources, completeness, shifts, write-back, exchange, quarantine, mappings, settings) into
 * docs/screens/, from the built renderer with a frozen clock and seeded data (a canned window API
 * injected before the page loads, the same seam the Electron preload uses), so they change only
 * when the screens do; the tray icons of every state and size into assets/icons/, and a sheet of
 * them with each state's tooltip into docs/screens/tray-icons.png (the Electron binary cannot run here).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentStatus } from '../../agents/api/index.ts';
import { healthyStatus } from '../../main/status-test-kit.ts';
import { trayIconSvg } from '../../main/tray/tray-icons.ts';
import { TRAY_ICON_SIZES, TRAY_STATES, trayIconFile, trayStateFromStatus, type TrayStateName } from '../../main/tray/tray-state.ts';
import { REPO_ROOT } from './agent-process.ts';
import { launchBrowser } from './ui-browser.ts';
import { openSeededScreen, serveRenderer } from './ui-seed.ts';

const DOCS = path.join(REPO_ROOT, 'docs', 'screens');
const ICONS = path.join(REPO_ROOT, 'assets', 'icons');

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
    for (const screen of ['overview', 'sources', 'completeness', 'shifts', 'writeback', 'exchange']) {
      const page = await context.newPage();
      await openSeededScreen(page, server.url, screen, 'en');
      await page.screenshot({ path: path.join(DOCS, `${screen}.png`), fullPage: true });
      await page.close();
    }
    // The Quarantine screen with one record opened, the mapping editor with a preview on sample rows, Settings after a test alert.
    for (const [screen, button] of [['quarantine', 'Details'], ['mappings', 'Preview'], ['settings', 'Send a test alert']] as const) {
      const page = await context.newPage();
      await openSeededScreen(page, server.url, screen, 'en');
      await page.getByRole('button', { name: button, exact: true }).first().click();
      await page.waitForTimeout(200);
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
        `<table style="border-collapse:collapse;text-align:left" cellpadding="8"><tr><th>State</th><th>Icon</th><th>Tooltip</th></tr>${rows.join('')}</table></body>`,
    );
    await page.screenshot({ path: path.join(DOCS, 'tray-icons.png'), fullPage: true });
  } finally {
    server.close();
    await browser.close();
  }
  process.stdout.write(`Wrote docs/screens/{overview,sources,completeness,shifts,writeback,exchange,quarantine,mappings,settings,tray-icons}.png and ${TRAY_STATES.length * TRAY_ICON_SIZES.length} tray icons into assets/icons/.\n`);
}

await main();
