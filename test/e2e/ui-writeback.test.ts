/**
 * The dashboard's Write-back screen in real Chromium against a real agent (issue 14, acceptance
 * "the dashboard shows write-backs, conflicts with per-field resolution"): the sandbox cloud sends a
 * change of an account that was also changed in the ERP (SQLite over ODBC), the target's policy is
 * `manual`, so the agent holds it; the screen shows base | cloud | here per field, a viewer may not
 * resolve, a person picks per field (one side, another, a typed value) and the staging table receives
 * exactly those merged values exactly once, the cloud is told `applied`, and the audit log names the
 * dashboard session as the actor. Screenshots in out/ui-screens/writeback-*.png and exchange.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfigInput, AuditList, WritebackConflict } from '../../agents/api/index.ts';
import { recordVersion } from '../../agents/outbox/record-version.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, waitFor, writeAgentConfig } from '../helpers/agent-process.ts';
import { controlCall } from '../helpers/control-http.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { chromiumAvailable, launchBrowser, screenshot } from '../helpers/ui-browser.ts';
import { ensureRendererBuilt, startUiAgent, type UiAgent } from '../helpers/ui-agent.ts';

const available = chromiumAvailable();
if (!available) process.stdout.write('ui-writeback e2e skipped: /usr/bin/chromium is not installed (apt-get install chromium).\n');

let dir: string;
let sandbox: Sandbox;
let admin: SandboxAdmin;
let db: ThrowawayDatabase;
let agent: UiAgent;
let browser: Browser;
let page: Page;

const BASE = { id: '6800', name: 'Office supplies', cost_centre: 'CC-100', vat_code: 'V20' };
const socket = (role: 'admin' | 'viewer') => ({ socketPath: path.join(agent.dataDir, `control-${role}.sock`) });

describe.skipIf(!available || process.platform === 'win32')('the Write-back screen', () => {
  beforeAll(async () => {
    ensureRendererBuilt();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tya-ui-writeback-'));
    sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
    admin = new SandboxAdmin(sandbox.url);
    db = createSqliteFile('uiwriteback');
    // The ERP changed name and cost centre since the cloud last saw the account (base).
    await db.exec(`CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT, cost_centre TEXT, vat_code TEXT);
      INSERT INTO accounts VALUES ('6800', 'Office material', 'CC-120', 'V20');
      CREATE TABLE wb_stage (item_id TEXT NOT NULL UNIQUE, acc_id TEXT, name TEXT, cost_centre TEXT, vat_code TEXT);`);
    const config: AgentConfigInput = {
      agent: { name: 'Write-back UI', dataDir: 'data' },
      cloud: { url: sandbox.url, entity: 'store-1', heartbeatIntervalSecs: 1 },
      sources: [
        { type: 'odbc', name: 'erp', dialect: 'sqlite', connectionString: db.connectionString, intervalSecs: 1, timeZone: 'UTC',
          streams: [{ name: 'accounts', table: 'accounts', keyColumns: ['id'], mode: 'snapshot' }] },
      ],
      writeback: {
        pollSecs: 1,
        targets: [{
          name: 'gl-import', type: 'odbc', source: 'erp', table: 'wb_stage', idColumn: 'item_id', policy: 'manual',
          columns: { id: 'acc_id', name: 'name', cost_centre: 'cost_centre', vat_code: 'vat_code' },
          readBack: { source: 'erp', stream: 'accounts', key: ['id'] },
        }],
      },
    };
    const configFile = writeAgentConfig(path.join(dir, 'agent.json'), config);
    const key = (await admin.createEnrollmentKey({ entities: ['store-1'] })).key;
    const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    agent = await startUiAgent(dir, config);
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await page.goto(await agent.loginLink());
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await sandbox?.close();
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('holds a manual conflict, shows it side by side, and a per-field resolution reaches the target exactly once', async () => {
    const agentId = (await admin.agents())[0]!.agentId;
    const item = await admin.createWriteback({
      agentId, entity: 'store-1', target: 'gl-import', key: { id: '6800' },
      base: { stream: 'accounts', version: recordVersion({ key: { id: '6800' }, op: 'upsert', data: BASE }), data: BASE },
      data: { id: '6800', name: 'Office supplies & postage', cost_centre: 'CC-110', vat_code: 'V10' },
    });
    await page.goto(`${agent.url()}/#/writeback`);
    await page.locator('#page-title').waitFor();
    const panel = page.getByTestId('writeback-conflict');
    await panel.waitFor({ timeout: 30_000 });
    expect(await panel.getAttribute('data-id')).toBe(item.id);
    const row = (field: string) => panel.locator(`tr[data-field="${field}"]`);
    expect(await row('name').textContent()).toMatch(/name.*changed on both sides.*Office supplies.*Office supplies & postage.*Office material/);
    expect(await row('cost_centre').textContent()).toMatch(/CC-100.*CC-110.*CC-120/);
    // vat_code changed only in the cloud: it keeps the cloud's value unless the person says otherwise.
    expect(await row('vat_code').getByTestId('writeback-result').textContent()).toBe('V10');
    const write = panel.getByRole('button', { name: 'Write this version' });
    expect(await write.isDisabled()).toBe(true);
    expect(await page.getByTestId('writeback-count').textContent()).toBe('1');

    // The control API explains its refusals: a viewer may not decide; an unknown field is named.
    const viewer = await controlCall(socket('viewer'), { method: 'POST', path: `/api/v1/writeback/${item.id}/resolve`, body: { choice: { name: 'cloud' } } });
    expect(viewer.status).toBe(403);
    expect(viewer.json.error?.message).toMatch(/operator/);
    const badField = await controlCall(socket('admin'), { method: 'POST', path: `/api/v1/writeback/${item.id}/resolve`, body: { choice: { colour: 'cloud' } } });
    expect(badField.status).toBe(400);
    expect(badField.json.error?.message).toContain('colour');
    const conflicts = await controlCall(socket('viewer'), { path: '/api/v1/writeback/conflicts' });
    expect((conflicts.json.value as WritebackConflict[]).map((c) => c.fields.filter((f) => f.conflicted).map((f) => f.field))).toEqual([['name', 'cost_centre']]);

    await page.getByRole('radio', { name: 'name: Here' }).check();
    await page.getByRole('radio', { name: 'cost_centre: Other value' }).check();
    await page.getByRole('textbox', { name: 'Other value for cost_centre' }).fill('CC-115');
    expect(await row('name').getByTestId('writeback-result').textContent()).toBe('Office material');
    expect(await row('cost_centre').getByTestId('writeback-result').textContent()).toBe('CC-115');
    console.log(`write-back conflict screenshot: ${await screenshot(page, 'writeback-conflict')}`);
    await write.click();
    await page.getByText(`Resolution of ${item.id} stored`).waitFor();

    const stage = async () => db.query('SELECT item_id, acc_id, name, cost_centre, vat_code FROM wb_stage');
    await waitFor('the resolved row in the staging table', async () => (await stage()).length > 0, { timeoutMs: 20_000, describe: () => agent.process.output().slice(-3000) });
    await waitFor('the cloud told "applied"', async () => (await admin.writebackResults(agentId)).some((r) => r.id === item.id && r.status === 'applied'), { timeoutMs: 20_000 });
    // Several more passes of the agent (pollSecs 1) write nothing again.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await stage()).toEqual([[item.id, '6800', 'Office material', 'CC-115', 'V10']]);

    const items = page.getByTestId('writeback-items');
    await expect.poll(async () => (await items.locator(`tr[data-id="${item.id}"]`).textContent()) ?? '', { timeout: 15_000 }).toMatch(/Written.*manual: .*name=premises.*cost_centre=custom/);
    await page.getByText('No conflicts are waiting.').waitFor();
    expect(await page.getByTestId('writeback-count').count()).toBe(0);
    console.log(`write-back list screenshot: ${await screenshot(page, 'writeback-resolved')}`);

    const audit = await controlCall(socket('admin'), { path: '/api/v1/audit?limit=50' });
    const resolved = (audit.json.value as AuditList).entries.filter((e) => e.event === 'writeback-resolved' && e.subject === item.id);
    expect(resolved.map((e) => e.actor)).toEqual(['session:admin']);
    expect(String(resolved[0]!.details.resolution)).toContain('cost_centre=custom');

    // A second resolution of the same item is refused: it is no longer waiting.
    const again = await controlCall(socket('admin'), { method: 'POST', path: `/api/v1/writeback/${item.id}/resolve`, body: { choice: { name: 'cloud' } } });
    expect(again.status).toBe(409);
    expect(again.json.error?.code).toBe('writeback_not_waiting');
  }, 120_000);

  it('shows the Exchange screen (no queues or SFTP servers on this agent, said in words)', async () => {
    await page.goto(`${agent.url()}/#/exchange`);
    await page.locator('#page-title').waitFor();
    await page.getByText('No RabbitMQ source is configured.').waitFor();
    await page.getByText('No SFTP server is configured.').waitFor();
    const exchange = await controlCall(socket('viewer'), { path: '/api/v1/exchange' });
    expect(exchange.json.value).toEqual({ rabbitmq: [], sftp: { servers: [], fetched: [], pushed: [] } });
  });
});
