import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from './loopback.ts';
import { compareSemver } from './semver.ts';
import {
  errorCode,
  send,
  startTestSandbox,
  testBatch,
  testRecord,
  TestAgent,
  type TestSandbox,
} from './sandbox-test-kit.ts';
import { escapeHtml } from './status-page.ts';

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:10.0.0.5', false],
    ['fe80::1', false],
    ['128.0.0.1', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });
});

describe('compareSemver and escapeHtml', () => {
  it('orders versions like semver.org, pre-releases below their release', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.10', '1.2.0-rc.2', '1.2.0-alpha', '0.9.9'].sort(compareSemver);
    expect(sorted).toEqual(['0.9.9', '1.2.0-alpha', '1.2.0-rc.2', '1.2.0-rc.10', '1.2.0', '1.10.0']);
  });
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('the admin surface and the status page', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('refuses admin calls that do not come from loopback with 403', async (ctx) => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
    if (external === undefined) {
      console.log('Skipped: this machine has no non-loopback IPv4 address to call the sandbox from.');
      return ctx.skip();
    }
    const wide = await startTestSandbox({ host: '0.0.0.0' });
    try {
      const port = new URL(wide.sandbox.url).port;
      const refused = await send(`http://${external.address}:${port}`, 'GET', '/admin/counts');
      expect([refused.status, errorCode(refused)]).toEqual([403, 'forbidden']);
      expect((await send(`http://127.0.0.1:${port}`, 'GET', '/admin/counts')).status).toBe(200);
    } finally {
      await wide.cleanup();
    }
  });

  it('shows agents, batches and latest records on / with every value escaped', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin, 'till <b>1</b>');
    const hostile = '<script>alert("x")</script>';
    await agent.sendBatch(
      testBatch(agent.credentials.agentId, 1, [testRecord({ receipt_id: '1' }, { note: hostile, total: '18.40' })]),
    );
    const page = await fetch(`${t.sandbox.url}/`);
    const html = await page.text();
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('<meta http-equiv="refresh" content="3">');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>1</b>');
    expect(html).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
    expect(html).toContain('till &lt;b&gt;1&lt;/b&gt;');
    expect(html).toContain('store-7 / pos-db / sales_receipts');
    expect(html).toContain('<h2>Streams</h2>');
    expect(html).toContain('<td>accepted</td>');
    expect(html).toContain((await t.admin.cloudKey()).fingerprint);
    expect(html).toContain('18.40');
    expect(html).not.toMatch(/(src|href)=/);
  });

  it('adds Deprecation and Sunset headers to cloud responses once set, errors included', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    expect((await agent.call('GET', '/v1/reference/currencies')).headers.get('deprecation')).toBeNull();
    await t.admin.setDeprecation({ deprecation: '@1798761600', sunset: 'Fri, 01 Jan 2027 00:00:00 GMT' });
    for (const answer of [
      await agent.call('GET', '/v1/reference/currencies'),
      await agent.call('GET', '/v1/reference/nope'),
    ]) {
      expect(answer.headers.get('deprecation')).toBe('@1798761600');
      expect(answer.headers.get('sunset')).toBe('Fri, 01 Jan 2027 00:00:00 GMT');
    }
    await t.admin.setDeprecation({});
    expect((await agent.call('GET', '/v1/reference/currencies')).headers.get('sunset')).toBeNull();
  });

  it('counts requests by endpoint and status, unknown paths and wrong methods included', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    await agent.call('GET', '/v1/reference/currencies');
    await agent.call('GET', '/v1/reference/currencies', { token: 'bad' });
    const notFound = await agent.call('GET', '/v1/nothing');
    expect([notFound.status, errorCode(notFound)]).toEqual([404, 'not_found']);
    const wrongMethod = await agent.call('GET', '/v1/batches');
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    const { requests } = await t.admin.counts();
    expect(requests).toEqual({
      'POST /v1/agents/enroll': { '201': 1 },
      'POST /v1/oauth/token': { '200': 1 },
      'GET /v1/reference/{name}': { '200': 1, '401': 1 },
      'GET (unknown path)': { '404': 1, '405': 1 },
    });
  });

  it('refuses a WebSocket upgrade on the tunnel without a bearer token with 401 (tunnel.test.ts has the rest)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.sandbox.url}/v1/agents/ag_x/tunnel`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'tya-agent-version': '1.4.0' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    expect((await t.admin.counts()).requests['GET /v1/agents/{agentId}/tunnel']).toEqual({ '401': 1 });
  });
});
