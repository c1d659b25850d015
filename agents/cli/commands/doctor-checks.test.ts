import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigSchema, OdbcSourceSchema } from '../../api/index.ts';
import { checkDataDir, checkNode, checkOdbc, clockFinding, cloudFindings, proxyVariables } from './doctor-checks.ts';

const probeAt = (offsetSecs: number, date: string | null = new Date(Date.UTC(2025, 0, 1, 12) - offsetSecs * 1000).toUTCString()) => ({
  status: 200,
  dateHeader: date,
  midpointMs: Date.UTC(2025, 0, 1, 12),
  elapsedMs: 10,
});

describe('doctor checks', () => {
  it('compares the clock with the cloud: fine within 60 s, a warning up to 300 s, a failure beyond', () => {
    expect(clockFinding(probeAt(0)).status).toBe('ok');
    expect(clockFinding(probeAt(-59)).status).toBe('ok');
    expect(clockFinding(probeAt(61))).toMatchObject({ status: 'warn', text: "This machine's clock is 61 s ahead of the cloud's." });
    expect(clockFinding(probeAt(-300)).status).toBe('warn');
    expect(clockFinding(probeAt(-301))).toMatchObject({ status: 'fail' });
    expect(clockFinding(probeAt(-301)).text).toMatch(/^This machine's clock is 5 min 1 s behind the cloud's: the cloud refuses/);
    expect(clockFinding(probeAt(0, null)).status).toBe('warn');
    expect(clockFinding(probeAt(0, 'yesterday-ish')).status).toBe('warn');
  });

  it('shows proxy variables without their credentials', () => {
    expect(proxyVariables({ HTTPS_PROXY: 'http://bob:hunter2@proxy:3128', NO_PROXY: 'localhost,.corp', HTTP_PROXY: '' })).toEqual([
      'HTTPS_PROXY=http://[credentials hidden]@proxy:3128',
      'NO_PROXY=localhost,.corp',
    ]);
    const unreachable = cloudFindings('https://cloud.example', Object.assign(new Error('fetch failed'), { code: 'ENOTFOUND' }), {});
    expect(unreachable[0]).toMatchObject({ status: 'fail', text: 'The cloud https://cloud.example could not be reached: the host name is not known (DNS).' });
    expect(unreachable[0]!.detail).toContain('No proxy variables are set.');
    expect(unreachable[1]!.status).toBe('skip');
  });

  it('refuses Node before 24', () => {
    expect(checkNode('24.0.1').status).toBe('ok');
    expect(checkNode('20.19.0')).toMatchObject({ status: 'fail', text: 'Node.js 20.19.0 is too old: the agent needs 24 or later.' });
  });

  it('names the Debian package of a driver a source needs but the machine lacks, and a DSN that is not defined', async () => {
    const source = (name: string, dialect: 'postgresql' | 'mariadb', connectionString: string) =>
      OdbcSourceSchema.parse({ type: 'odbc', name, dialect, connectionString, streams: [{ name: 's', table: 't', keyColumns: ['id'], cursorColumn: 'id' }] });
    const run = (_command: string, args: string[]) =>
      Promise.resolve(args[1] === '-d' ? { code: 0, stdout: '[PostgreSQL Unicode]\n', stderr: '' } : { code: 0, stdout: '[pos]\n', stderr: '' });
    const result = await checkOdbc(
      [
        source('ledger', 'postgresql', 'Driver={PostgreSQL Unicode};Server=db'),
        source('shop', 'mariadb', 'Driver={MariaDB Unicode};Server=db'),
        source('till', 'mariadb', 'DSN=till'),
        source('pos', 'mariadb', 'DSN=pos'),
      ],
      run,
    );
    expect([...result.unusable]).toEqual(['shop', 'till']);
    const failures = result.findings.filter((f) => f.status === 'fail');
    expect(failures.map((f) => f.text)).toEqual([
      'Source "shop" names the ODBC driver "MariaDB Unicode", which is not installed.',
      'Source "till" uses the DSN "till", which is not defined.',
    ]);
    expect(failures[0]!.detail![0]).toMatch(/^Install it: sudo apt-get install odbc-mariadb/);
    const missing = await checkOdbc([source('ledger', 'postgresql', 'Driver={PostgreSQL Unicode}')], () =>
      Promise.reject(Object.assign(new Error('spawn odbcinst ENOENT'), { code: 'ENOENT' })),
    );
    expect(missing.findings[0]).toMatchObject({ status: 'fail', text: 'unixODBC is not installed or not usable (odbcinst is not installed).' });
  });

  it('checks that the data dir is writable and warns when the disk is smaller than the queue may grow', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-doctor-unit-'));
    try {
      const config = AgentConfigSchema.parse({ agent: { name: 'x', dataDir: dir }, cloud: { url: 'https://c.example', entity: 'e' } });
      expect(checkDataDir(dir, config)).toMatchObject({ status: 'ok' });
      expect(checkDataDir(path.join(dir, 'a', 'b'), config).text).toMatch(/will be created in .*tya-doctor-unit-\w+, which is writable/);
      const huge = AgentConfigSchema.parse({ ...config, outbox: { maxBytes: 2 ** 52 } });
      expect(checkDataDir(dir, huge)).toMatchObject({ status: 'warn' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
