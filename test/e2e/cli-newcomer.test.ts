/**
 * A newcomer's first hour (issue 9, item 4), as they would meet it: the built CLI under an older
 * Node says it needs Node 24 (no stack trace); `discover` needs no --source when there is one;
 * config mistakes (a misspelled time zone, an unknown key) are refused with what was meant.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../agents/cli/node-version.ts';
import { createSqliteFile, type ThrowawayDatabase } from '../helpers/databases.ts';
import { REPO_ROOT, runCli, writeAgentConfig } from '../helpers/agent-process.ts';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const bin = path.join(REPO_ROOT, pkg.bin['tya-agent']!);
/** The machine's own Node (Debian ships 20): what a newcomer may run the package with. */
const OLDER_NODES = ['/usr/bin/node', '/usr/local/bin/node'];

let dir: string;
let db: ThrowawayDatabase;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-newcomer-'));
  db = createSqliteFile('newcomer');
  await db.exec(`CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL); INSERT INTO products VALUES ('A1', 'Apple');`);
  // scripts/test.sh builds before the tests; a lone vitest run builds here.
  if (!existsSync(bin)) execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
}, 180_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const source = (name: string) => ({
  type: 'odbc' as const,
  name,
  dialect: 'sqlite' as const,
  connectionString: db.connectionString,
  streams: [{ name: 'products', table: 'products', keyColumns: ['sku'], mode: 'snapshot' as const }],
});

describe('a newcomer\'s first hour', () => {
  it('the built tya-agent under an older Node says it needs Node 24, without a stack trace (exit 13)', () => {
    const older = OLDER_NODES.map((file) => ({ file, version: existsSync(file) ? spawnSync(file, ['--version'], { encoding: 'utf8' }).stdout.trim() : '' }))
      .find(({ version }) => /^v(\d+)\./.test(version) && Number(/^v(\d+)/.exec(version)![1]) < 24);
    // The message itself, whatever Node this machine has.
    expect(nodeVersionProblem('20.11.1', '/usr/bin/node')).toMatch(/^Error: tya-agent needs Node 24 or newer; this is Node 20\.11\.1 \(\/usr\/bin\/node\)\.\nWhat to do:/);
    expect(nodeVersionProblem('24.0.0', 'node')).toBeNull();
    if (older === undefined) {
      console.log('skipped the older-Node run: no Node older than 24 at', OLDER_NODES.join(' or '));
      return;
    }
    const result = spawnSync(older.file, [bin, 'status'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status, result.stderr).toBe(13);
    expect(result.stderr).toContain(`tya-agent needs Node 24 or newer; this is Node ${older.version.slice(1)}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);

  it('discover needs no --source when the config has exactly one ODBC source, and asks for one when there are two', async () => {
    const one = writeAgentConfig(path.join(dir, 'one.json'), {
      agent: { name: 'one', dataDir: 'one-data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'e' },
      sources: [source('pos')],
    });
    const listed = await runCli(['discover', '--config', one]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/Source "pos"/);
    expect(listed.stdout).toMatch(/products/);
    const described = await runCli(['discover', '--config', one, '--table', 'products']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/sku/);

    const two = writeAgentConfig(path.join(dir, 'two.json'), {
      agent: { name: 'two', dataDir: 'two-data' },
      cloud: { url: 'http://127.0.0.1:9', entity: 'e' },
      sources: [source('pos'), source('erp')],
    });
    const ambiguous = await runCli(['discover', '--config', two]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/2 ODBC sources: name one with --source[\s\S]*pos, erp/);
  }, 180_000);

  it('a misspelled time zone and an unknown key stop the config with what was meant (exit 4)', async () => {
    const file = path.join(dir, 'typos.json');
    writeFileSync(
      file,
      JSON.stringify({
        agent: { name: 'typos', dataDir: 'typos-data' },
        cloud: { url: 'http://127.0.0.1:9', entity: 'e', timeotMs: 1000 },
        sources: [{ ...source('pos'), timeZone: 'Europe/Wien' }],
      }),
    );
    const result = await runCli(['status', '--config', file]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`${file} is not a valid agent configuration`);
    expect(result.stderr).toContain('cloud: unknown key "timeotMs" (did you mean "timeoutMs"?)');
    expect(result.stderr).toMatch(/sources\[0\]\.timeZone: "Europe\/Wien" is not an IANA time zone; did you mean "Europe\/\w+"\?/);
  }, 180_000);
});
