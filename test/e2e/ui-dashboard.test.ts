/**
 * The dashboard end to end (issue 11): a real agent process serving the built renderer, real
 * Chromium, a real PostgreSQL and MariaDB, the sandbox cloud. One story in order: log in with a
 * one-time link, enroll, add a PostgreSQL source through the form and watch its rows arrive, a wrong
 * password saves nothing, the cloud goes away and comes back, dead letters are retried and
 * discarded, files and a shift close show with their outcome, a held file is approved and a file voided
 * with a confirmation, Completeness shows yesterday complete with its money, then every screen is screenshotted,
 * scanned with axe, checked for sideways scroll at 1280x800 and 200 % zoom, and walked by keyboard.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsView } from '../../agents/api/index.ts';
import { installationNamespace } from '../../agents/engine/installation.ts';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { camtStatement } from '../../agents/transforms/statements/statement-samples.ts';
import { KeytarSecretStore } from '../../agents/vault/index.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { waitFor } from '../helpers/agent-process.ts';
import { createMariaDbDatabase, createPostgresDatabase, MARIADB, POSTGRES, type ThrowawayDatabase } from '../helpers/databases.ts';
import { dropFile } from '../helpers/folder-files.ts';
import { chromiumAvailable, clippedText, focusWalk, launchBrowser, screenshot, seriousAxeViolations, sidewaysOverflow, tabTo } from '../helpers/ui-browser.ts';
import { ensureRendererBuilt, startUiAgent, type UiAgent } from '../helpers/ui-agent.ts';
import { startWebhookSink, type WebhookSink } from '../helpers/webhook-sink.ts';

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
let inboxDir: string;
let hook: WebhookSink;

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
    inboxDir = path.join(dir, 'inbox');
    mkdirSync(bankDir);
    mkdirSync(tillDir);
    mkdirSync(inboxDir);
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
    hook = await startWebhookSink();
    agent = await startUiAgent(dir, {
      agent: { name: 'Store 7 back office', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-7', batchMaxAgeMs: 50, heartbeatIntervalSecs: 2, retryBaseMs: 50, retryMaxMs: 1000, timeoutMs: 3000 },
      // Alert channels for Settings' test: a webhook that answers, and syslog on a port nobody listens on (discard, 9).
      // E-mail through a password never stored: its test fails, and Settings lists the missing credential.
      notify: {
        webhook: { url: hook.url },
        email: { host: '127.0.0.1', port: 9, from: 'agent@store7.example', to: ['it@store7.example'], username: 'agent', password: { secretRef: 'smtp/password' } },
        syslog: { type: 'tcp', host: '127.0.0.1', port: 9 },
      },
    });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Vienna' });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await hook?.close();
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

  it('says "offline" in words while the cloud is away and the queue grows; it drains when the cloud is back', async () => {
    await sandbox.close();
    await pg.exec(`INSERT INTO sales VALUES (4, 4.00, 'tea'), (5, 5.55, 'cake'), (6, 6.06, 'juice');`);
    await show('overview');
    await page.getByTestId('health').getByText(/The cloud cannot be reached\. \d+ changes are waiting safely/).waitFor({ timeout: 30_000 });
    await waitFor('the queue on the overview', async () => Number((await page.getByTestId('queue-depth').textContent()) ?? '0') >= 3, { timeoutMs: 20_000 });
    await screenshot(page, 'overview-offline');
    sandbox = await startSandbox({ port: sandboxPort, dbPath: path.join(cloudDir, 'sandbox.db') });
    await waitFor('the queue drained on the overview', async () => (await page.getByTestId('queue-depth').textContent()) === '0', { timeoutMs: 30_000 });
    await page.getByTestId('health').getByText('Everything is up to date.').waitFor({ timeout: 20_000 });
    expect(await cloudCount('shop', 'sales')).toBe(6);
    await screenshot(page, 'overview-drained');
  }, 90_000);

  it('retries one dead letter and discards the rest from the Queue screen', async () => {
    await admin.rejectRecords({ stream: 'sales', key: { id: '7' }, code: 'amount_negative', message: 'Amount may not be negative here.' });
    await admin.rejectRecords({ stream: 'sales', key: { id: '8' }, code: 'amount_negative', message: 'Amount may not be negative here.' });
    await pg.exec(`INSERT INTO sales VALUES (7, -7.00, 'void'), (8, -8.00, 'void');`);
    await show('queue');
    const list = page.getByTestId('dead-letters');
    await list.getByText('Amount may not be negative here.').first().waitFor({ timeout: 30_000 });
    expect(await list.locator('li').count()).toBe(2);
    await screenshot(page, 'queue-dead-letters');
    await admin.clearRejectRules();
    await list.locator('input[type="checkbox"]').first().check();
    await page.getByRole('button', { name: 'Send again (1)' }).click();
    await page.getByText('1 changes are queued to be sent again.').waitFor();
    await waitFor('the retried record in the cloud', async () => (await cloudCount('shop', 'sales')) === 7, { timeoutMs: 20_000 });
    await page.getByRole('button', { name: 'Discard all' }).click();
    await page.getByRole('button', { name: 'Yes, discard all' }).click();
    await page.getByText('1 changes were discarded.').waitFor();
    await page.getByText('The cloud has refused nothing.').waitFor({ timeout: 10_000 });
    expect(await cloudCount('shop', 'sales')).toBe(7);
    await show('activity');
    await page.getByTestId('activity').getByText(/put back in the queue/).waitFor({ timeout: 10_000 });
    await page.getByTestId('activity').getByText(/discarded \(kept in the discard audit\)/).waitFor({ timeout: 10_000 });
    // The security log below it names the browser session that retried and discarded.
    const audit = page.getByTestId('audit-log');
    await audit.locator('summary').click();
    await audit.getByText(/Failed changes discarded: all/).waitFor({ timeout: 10_000 });
    expect(await audit.locator('li', { hasText: 'Failed changes sent again' }).first().textContent()).toContain('session:admin');
  }, 90_000);

  it('watched folders added in the form: a bank file, a shift close with its Z number, and a rejected file with its reason', async () => {
    for (const [name, folder, kind] of [['bank', bankDir, 'bank'], ['tills', tillDir, 'zreport']] as const) {
      await show('sources');
      await page.getByRole('button', { name: 'Add a watched folder' }).click();
      await page.locator('input[name="name"]').fill(name);
      await page.locator('input[name="path"]').fill(folder);
      await page.locator('select[name="kind"]').selectOption(kind);
      if (name === 'tills') await page.locator('input[name="timeZone"]').fill('Europe/Vienna');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Saved. The source runs with its new settings now.').first().waitFor({ timeout: 20_000 });
    }
    dropFile(bankDir, 'statement-1.xml', camtStatement({ iban: 'AT611904300234573201', sequence: 1, opening: '500.00', from: 0, to: 5 }));
    dropFile(bankDir, 'wrong.xml', camtStatement({ iban: 'AT611904300234573201', sequence: 2, opening: '0', from: 5, to: 8, closingError: '-0.01' }));
    dropFile(tillDir, 'Z-00412.json', zReportJson([sampleZReport()]));
    await waitFor('the Z report in the cloud', async () => (await cloudCount('tills', 'shift_reports')) === 1, { timeoutMs: 30_000, describe: () => agent.process.output().slice(-2000) });
    await show('files');
    const files = page.getByTestId('files');
    await files.locator('li', { hasText: 'statement-1.xml' }).first().waitFor({ timeout: 20_000 });
    await files.locator('li', { hasText: 'wrong.xml' }).first().waitFor({ timeout: 20_000 });
    const rejected = files.locator('li', { hasText: 'wrong.xml' }).first();
    expect(await rejected.textContent()).toContain('Rejected');
    expect(await rejected.textContent()).toMatch(/Why: .*(balance|difference)/i);
    expect(await files.locator('li', { hasText: 'statement-1.xml' }).first().textContent()).toContain('Imported');
    expect(await files.locator('li', { hasText: 'Z-00412.json' }).first().textContent()).toContain('Imported');
    await screenshot(page, 'files');
    await show('shifts');
    const shift = page.getByTestId('shifts').locator('li').first();
    await shift.waitFor({ timeout: 20_000 });
    expect(await shift.textContent()).toMatch(/Z-00412 from register till-1, closed at \d{2}:\d{2}/);
    await screenshot(page, 'shifts');
    // The quarantine raised an alert a bookkeeper can acknowledge.
    await show('overview');
    const alert = page.locator('#ov-alerts + ul li', { hasText: 'wrong.xml' });
    await alert.waitFor({ timeout: 20_000 });
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await alert.waitFor({ state: 'detached', timeout: 10_000 });
  }, 120_000);

  it('holds a file until it is approved in the UI, voids one with a confirmation, and Completeness shows yesterday complete with its money', async () => {
    // A folder whose files wait for a person: added through the API (the hold is a folder option).
    const added = await page.evaluate(async (body) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { value: { csrfToken: string } };
      const response = await fetch('/api/v1/sources', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.value.csrfToken }, body });
      return response.status;
    }, JSON.stringify({ config: { type: 'folder', name: 'inbox', path: inboxDir, kind: 'bank', stableMs: 300, hold: true } }));
    expect(added).toBe(200);
    dropFile(inboxDir, 'held.xml', camtStatement({ iban: 'DE89370400440532013000', sequence: 1, opening: '10.00', from: 0, to: 4 }));
    await show('files');
    const held = page.locator('[data-testid="file"]', { hasText: 'held.xml' });
    await held.getByText('Waiting for approval').waitFor({ timeout: 20_000 });
    await screenshot(page, 'files-held');
    await page.waitForTimeout(500);
    expect(await cloudCount('inbox', 'bank_entries')).toBe(0);
    await held.getByRole('button', { name: 'Approve and send' }).click();
    await page.getByText('held.xml was approved and is being sent.').first().waitFor({ timeout: 10_000 });
    await waitFor('the approved entries in the cloud', async () => (await cloudCount('inbox', 'bank_entries')) === 4, { timeoutMs: 30_000, describe: () => agent.process.output().slice(-2000) });
    const imported = page.locator('[data-testid="file"][data-outcome="imported"]', { hasText: 'held.xml' });
    await imported.waitFor({ timeout: 20_000 });

    // Void asks first; only "Yes, void" sends the deletes.
    await imported.getByRole('button', { name: 'Void' }).click();
    await imported.getByText(/Void held\.xml\? Its records are deleted in the cloud/).waitFor();
    await screenshot(page, 'files-void-confirm');
    await imported.getByRole('button', { name: 'Yes, void' }).click();
    await waitFor(
      'the voided entries deleted in the cloud',
      async () => {
        const latest = await admin.latest({ source: 'inbox', stream: 'bank_entries' });
        return latest.length === 4 && latest.every((r) => r.op === 'delete');
      },
      { timeoutMs: 30_000, describe: () => agent.process.output().slice(-2000) },
    );
    await page.locator('[data-testid="file"][data-outcome="voided"]', { hasText: 'held.xml' }).waitFor({ timeout: 20_000 });
    await show('activity');
    await page.getByTestId('activity-text').fill('voided');
    await page.getByTestId('activity').getByText(/held\.xml was voided/).first().waitFor({ timeout: 10_000 });

    // Yesterday's shift close (in the store's zone) is read, sent, and its money shown.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Vienna' }).format(Date.now());
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    dropFile(tillDir, 'Z-00413.json', zReportJson([sampleZReport({ zNumber: '00413', businessDay: yesterday, openedAt: `${yesterday}T08:00:00+01:00`, closedAt: `${yesterday}T22:10:00+01:00`, total: '2345.67', tenders: { cash: '400.00', card: '1945.67' } })]));
    await waitFor('yesterday\'s Z report in the cloud', async () => (await cloudCount('tills', 'shift_reports')) === 2, { timeoutMs: 30_000, describe: () => agent.process.output().slice(-2000) });
    await show('completeness');
    const day = page.locator(`[data-testid="completeness-day"][data-day="${yesterday}"]`);
    await day.getByTestId('completeness-verdict').waitFor({ timeout: 20_000 });
    // A day is the records' business day in their source's zone. Between Vienna's midnight and UTC's,
    // Vienna's yesterday is still today for this file's UTC sources, whose discarded dead letters count
    // as refused on it: the day's verdict is then rightly not "complete", and the shift-close row
    // below is what shows the Z report read, delivered and nothing waiting.
    const utcToday = new Date().toISOString().slice(0, 10);
    if (utcToday !== yesterday) {
      await waitFor('yesterday complete', async () => /^\W*complete$/.test(((await day.getByTestId('completeness-verdict').textContent()) ?? '').trim()), { timeoutMs: 20_000 });
    } else {
      await waitFor('the shift close delivered on yesterday', async () => /1 record€2,345\.67$/.test(((await day.locator('tr', { hasText: 'tills / shift_reports' }).locator('td').last().textContent()) ?? '').trim()), { timeoutMs: 20_000 });
    }
    expect(await day.locator('h2').textContent()).toMatch(/^Yesterday, /);
    const row = day.locator('tr', { hasText: 'tills / shift_reports' });
    // Read, waiting and delivered side by side: all of it delivered, none waiting, money exact.
    expect((await row.locator('td').allTextContents()).map((t) => t.trim())).toEqual(['tills / shift_reports · EUR', '1 record€2,345.67', '0 records€0.00', '1 record€2,345.67']);
    await screenshot(page, 'completeness-yesterday');
  }, 120_000);

  it('every screen: screenshot, no serious axe violation, no sideways scroll and no clipped text at 1280x800 and at 200 % zoom, in English and German', async () => {
    // 200 % zoom is a 640x400 CSS-pixel viewport (deviceScaleFactor 2 keeps the window's 1280x800
    // pixels): what browser zoom does to the layout; deviceScaleFactor alone would not change it.
    const views = [
      { name: '1280x800-de', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'de' },
      { name: '200pct-en', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2, locale: 'en' },
      { name: '200pct-de', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2, locale: 'de' },
    ];
    const others = await Promise.all(
      views.map(async (view) => {
        const other = await browser.newContext({ viewport: view.viewport, deviceScaleFactor: view.deviceScaleFactor, locale: view.locale === 'de' ? 'de-DE' : 'en-GB', timezoneId: 'Europe/Vienna' });
        await other.addCookies(await context.cookies());
        await other.addInitScript(`localStorage.setItem('tya.locale', '${view.locale}')`);
        return { ...view, page: await other.newPage(), context: other };
      }),
    );
    const problems: string[] = [];
    try {
      for (const screen of SCREENS) {
        await show(screen);
        await page.waitForLoadState('networkidle').catch(() => undefined);
        await page.waitForTimeout(300);
        await screenshot(page, `screen-${screen}`);
        for (const v of await seriousAxeViolations(page)) problems.push(`${screen}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
        const wide = await sidewaysOverflow(page);
        if (wide.scrollWidth > wide.clientWidth || wide.culprits.length > 0) problems.push(`${screen} at 1280x800 scrolls sideways: ${JSON.stringify(wide)}`);
        for (const c of await clippedText(page)) problems.push(`${screen} at 1280x800-en: "${c.text}" at ${c.element}: ${c.why}`);
        for (const stop of await focusWalk(page)) if (stop.ring === null) problems.push(`${screen}: ${stop.element} "${stop.name}" shows no focus ring`);
        for (const view of others) {
          await view.page.goto(`${agent.url()}/#/${screen}`);
          await view.page.locator('#page-title').waitFor();
          await view.page.waitForTimeout(300);
          await screenshot(view.page, `screen-${screen}-${view.name}`);
          const narrow = await sidewaysOverflow(view.page);
          if (narrow.scrollWidth > narrow.clientWidth || narrow.culprits.length > 0) problems.push(`${screen} at ${view.name} scrolls sideways: ${JSON.stringify(narrow)}`);
          for (const c of await clippedText(view.page)) problems.push(`${screen} at ${view.name}: "${c.text}" at ${c.element}: ${c.why}`);
        }
      }
    } finally {
      for (const view of others) await view.context.close();
    }
    expect(problems).toEqual([]);
  }, 240_000);

  it('keyboard only: reaches every action on the screens and uses one', async () => {
    const actions: Record<string, Array<string | RegExp>> = {
      overview: ['Sync now'],
      sources: ['Add a database (ODBC)', 'Add a watched folder', 'Edit shop', 'Pause', 'Sync now', 'Read again from the start', 'Remove'],
      settings: ['Send a test alert', 'Save', 'Replace'],
      activity: [/Everything/],
      files: ['Void'],
      diagnostics: ['Run the checks again'],
    };
    for (const [screen, names] of Object.entries(actions)) {
      await show(screen);
      for (const name of names) {
        await page.locator('body').focus();
        await page.evaluate('document.activeElement && document.activeElement.blur()');
        await tabTo(page, name);
      }
    }
    // A confirmation by keyboard: Enter asks, the focus lands on "Yes", Escape steps back to the button;
    // Cancel does the same. Nothing is done either way.
    await show('sources');
    const focused = () => page.evaluate<string>('(document.activeElement && document.activeElement.textContent || "").trim()');
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await tabTo(page, 'Read again from the start');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('Yes, read again from the start');
    await page.keyboard.press('Escape');
    expect(await focused()).toBe('Read again from the start');
    await tabTo(page, 'Remove');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('Yes, remove');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Enter');
    expect(await focused()).toBe('Remove');
    expect(configOnDisk().sources?.map((s) => s.name)).toEqual(expect.arrayContaining(['shop', 'bank', 'tills']));
    // Pause a source by keyboard alone, from the navigation.
    await show('overview');
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await tabTo(page, 'Sources');
    await page.keyboard.press('Enter');
    await page.locator('#page-title').waitFor();
    await tabTo(page, 'Pause');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Resume' }).first().waitFor({ timeout: 10_000 });
    await tabTo(page, 'Resume');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Pause' }).first().waitFor({ timeout: 10_000 });
  }, 120_000);

  it('a test alert from Settings reaches the webhook and names the channel that failed', async () => {
    await show('settings');
    const card = page.locator('section[aria-labelledby="st-alerts"]');
    await card.getByText(new URL(hook.url).origin).waitFor();
    await card.getByText('critical alerts only').count().then((n) => expect(n).toBe(0));
    await card.getByRole('button', { name: 'Send a test alert' }).click();
    await card.getByText(/Accepted in \d+ ms/).waitFor({ timeout: 30_000 });
    await card.getByText('Not sent').first().waitFor();
    const text = await card.innerText();
    expect(text).toMatch(/ECONNREFUSED.*Check notify\.syslog/s);
    expect(text).toMatch(/No secret is stored .* under "smtp\/password"/);
    await page.getByText('Password for alert e-mails: not stored').waitFor();
    const settings = (await page.evaluate(async () => (await (await fetch('/api/v1/settings')).json()))) as { value: SettingsView };
    expect(settings.value.secrets).toContainEqual({ ref: 'smtp/password', setAt: null, present: false, usedBy: [{ kind: 'alertEmail' }] });
    expect(settings.value.secrets).toContainEqual(expect.objectContaining({ ref: 'sources/shop/password', present: true, usedBy: [{ kind: 'source', name: 'shop' }] }));
    expect(hook.received.filter((n) => n.code === 'test_notification')).toHaveLength(1);
    await screenshot(page, 'settings-alert-test');
    await show('activity');
    await page.getByText('A test alert was sent: webhook received it, email failed, syslog failed.').waitFor({ timeout: 10_000 });
  }, 60_000);

  it('settings edited in the UI are validated, written and applied at once; a bad value never reaches the file', async () => {
    await show('settings');
    await page.locator('input[name="agentName"]').fill('Store 7 office');
    await page.locator('select[name="logLevel"]').selectOption('debug');
    await page.getByRole('button', { name: 'Save' }).first().click();
    // Applying waits for each source's read in flight to reach a safe point; on a loaded 2-core CI
    // machine with five sources that has taken more than 10 s.
    try {
      await page.getByText('Saved and applied.').waitFor({ timeout: 30_000 });
    } catch (error) {
      // What the page shows and the agent logged is what tells a slow apply from a failed one.
      const shown = await page.locator('main').innerText().catch(() => '(page unreadable)');
      throw new Error(`No "Saved and applied." within 30 s.\nThe page shows:\n${shown}\nThe agent logged:\n${readFileSync(path.join(agent.dataDir, 'logs', 'agent.log'), 'utf8').slice(-6000)}`, { cause: error });
    }
    // Applied without a restart: the running agent reports its new name.
    await page.locator('header.top').getByText(/^Store 7 office: /).waitFor({ timeout: 10_000 });
    const written = JSON.parse(readFileSync(agent.configFile, 'utf8')) as { agent: { name: string }; logging?: { level?: string } };
    expect(written.agent.name).toBe('Store 7 office');
    expect(written.logging?.level).toBe('debug');
    const before = readFileSync(agent.configFile, 'utf8');
    const refused = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/session')).json()) as { value: { csrfToken: string } };
      const response = await fetch('/api/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': session.value.csrfToken }, body: JSON.stringify({ cloud: { url: 'not a web address' } }) });
      return { status: response.status, json: (await response.json()) as { ok: boolean; error?: { message: string } } };
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.json.ok).toBe(false);
    expect(refused.json.error?.message).toMatch(/^Not saved: cloud\.url: Invalid URL/);
    expect(readFileSync(agent.configFile, 'utf8')).toBe(before);
  }, 60_000);

  it('configuration edited in the UI survives a restart of the agent', async () => {
    await agent.stop();
    agent = await startUiAgent(dir, JSON.parse(readFileSync(agent.configFile, 'utf8')) as Parameters<typeof startUiAgent>[1]);
    await page.goto(await agent.loginLink());
    await show('sources');
    for (const name of ['shop', 'bank', 'tills', 'inbox']) await page.getByTestId(`source-${name}`).waitFor({ timeout: 20_000 });
    await page.locator('header.top').getByText(/^Store 7 office: /).waitFor({ timeout: 10_000 });
    await show('settings');
    expect(await page.locator('select[name="logLevel"]').inputValue()).toBe('debug');
    await pg.exec(`INSERT INTO sales VALUES (9, 9.99, 'after restart');`);
    await waitFor('the row read after the restart', async () => (await cloudCount('shop', 'sales')) === 8, { timeoutMs: 30_000 });
  }, 90_000);
});

