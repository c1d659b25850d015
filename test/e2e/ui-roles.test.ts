/**
 * The dashboard offers only what its role may do (issue 12, item 5): a browser session opened with
 * a link from the viewer socket shows "Signed in as viewer" and, in place of Sync now, Pause, Add
 * a source or Remove, a "needs operator/admin" hint; an admin session (open-ui as the agent's
 * user) offers them. Screenshots in out/ui-screens/roles-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCall } from '../helpers/control-http.ts';
import { chromiumAvailable, launchBrowser, screenshot } from '../helpers/ui-browser.ts';
import { ensureRendererBuilt, startUiAgent, type UiAgent } from '../helpers/ui-agent.ts';

const available = chromiumAvailable();
if (!available) process.stdout.write('ui-roles e2e skipped: /usr/bin/chromium is not installed (apt-get install chromium).\n');

let dir: string;
let agent: UiAgent;
let browser: Browser;

async function openAs(link: string, screen: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await page.goto(link);
  await page.goto(`${agent.url()}/#/${screen}`);
  await page.locator('#page-title').waitFor();
  return page;
}

describe.skipIf(!available || process.platform === 'win32')('the dashboard by role', () => {
  beforeAll(async () => {
    ensureRendererBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-ui-roles-'));
    mkdirSync(path.join(dir, 'inbox'));
    agent = await startUiAgent(dir, {
      agent: { name: 'Roles', dataDir: 'data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      sources: [{ type: 'folder', name: 'inbox', path: path.join(dir, 'inbox') }],
    });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a viewer session is not offered operator or admin actions, and says what they need', async () => {
    const link = await controlCall({ socketPath: path.join(agent.dataDir, 'control-viewer.sock') }, { method: 'POST', path: '/api/v1/ui/login-links', body: {} });
    const page = await openAs((link.json.value as { url: string }).url, 'sources');
    await expect.poll(() => page.getByText('Signed in as viewer').count()).toBe(1);
    await page.getByTestId('source-inbox').waitFor();
    expect(await page.getByRole('button', { name: /^(Add|Remove|Pause|Sync now|Edit)/ }).count()).toBe(0);
    expect(await page.locator('.needs-role', { hasText: 'needs admin' }).count()).toBeGreaterThan(0);
    expect(await page.locator('.needs-role', { hasText: 'needs operator' }).count()).toBeGreaterThan(0);
    console.log(`viewer screenshot: ${await screenshot(page, 'roles-viewer-sources')}`);
    await page.goto(`${agent.url()}/#/overview`);
    await page.locator('#page-title').waitFor();
    await expect.poll(() => page.locator('.needs-role', { hasText: 'needs operator' }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    console.log(`viewer overview screenshot: ${await screenshot(page, 'roles-viewer-overview')}`);
  });

  it('an admin session (open-ui as the agent’s user) is offered them', async () => {
    const page = await openAs(await agent.loginLink(), 'sources');
    await expect.poll(() => page.getByText('Signed in as admin').count()).toBe(1);
    await page.getByTestId('source-inbox').waitFor();
    expect(await page.getByRole('button', { name: /^Remove/ }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: /^Sync now/ }).count()).toBeGreaterThan(0);
    expect(await page.locator('.needs-role').count()).toBe(0);
    console.log(`admin screenshot: ${await screenshot(page, 'roles-admin-sources')}`);
  });
});
