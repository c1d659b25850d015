import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import { registerSecretValue } from '../vault/redaction.ts';
import { createLogger, createSilentLogger } from './logger.ts';

const SECRET = 'registered-secret-q1w2e3r4';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tya-logger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function linesOf(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('keeps a registered secret and secret-named fields out of the file wherever they are logged', async () => {
    registerSecretValue(SECRET);
    const file = join(dir, 'logs', 'agent.log');
    const logger = createLogger({ level: 'info', destination: file }).child({ component: 'delivery', source: 'erp' });

    logger.info(`Connecting with secret ${SECRET} in the message.`);
    logger.info({ detail: SECRET }, 'A secret in an object field.');
    logger.info({ request: { query: { deep: { value: `k=${SECRET}` } } } }, 'A secret nested deep.');
    logger.error({ err: new Error(`Server rejected ${SECRET}`) }, 'A secret inside an error message.');
    logger.error(new AgentError('auth_failed', 'Bad token', { cause: new Error(`cause ${SECRET}`) }), 'Error cause.');
    logger.info({ url: `https://cloud.example/x?token=${encodeURIComponent(SECRET)}` }, 'A secret in a URL.');
    logger.info(
      { clientSecret: 'unregistered-value-1', headers: { authorization: 'Bearer unregistered-value-2' } },
      'Secret-named fields whose values were never registered.',
    );
    logger.info({ config: { password: 'unregistered-value-3' } }, 'A secret-named field one level down.');

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(encodeURIComponent(SECRET));
    expect(text).not.toMatch(/unregistered-value/);
    const lines = await linesOf(file);
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(JSON.stringify(line)).toContain('[REDACTED]');
    expect(lines[0]).toMatchObject({ component: 'delivery', source: 'erp', level: 'info' });
    expect(lines[4]).toMatchObject({ err: { code: 'auth_failed', type: 'AgentError' } });
  });

  it('writes ISO timestamps, level names and the base fields', async () => {
    const file = join(dir, 'agent.log');
    const logger = createLogger({ level: 'warn', destination: file, base: { agent: 'office-1' } });
    logger.info('Not written: below the level.');
    logger.warn('Written.');
    const lines = await linesOf(file);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'Written.', agent: 'office-1', pid: process.pid });
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('offers a silent logger for tests', () => {
    const logger = createSilentLogger();
    expect(logger.level).toBe('silent');
    expect(() => logger.child({ component: 'x' }).error('Nothing happens.')).not.toThrow();
  });
});

describe('child loggers', () => {
  it('write each key once: a repeated binding is not doubled and a re-labelled one keeps the newest value', async () => {
    const file = join(dir, 'agent.log');
    const root = createLogger({ level: 'info', destination: file, base: { agent: 'office-1' } });
    const control = root.child({ component: 'control' });
    control.child({ component: 'control' }).info('Listening.');
    control.child({ component: 'control.http', route: '/status' }).child({ agent: 'office-1' }).info('Served.');
    root.child({ component: 'source.odbc', source: 'erp' }).child({ stream: 'receipts' }).warn('Read.');
    const text = await readFile(file, 'utf8');
    for (const line of text.trim().split('\n')) {
      const keys = [...line.matchAll(/"([a-zA-Z]+)":/g)].map((m) => m[1]);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    const lines = await linesOf(file);
    expect(lines.map((l) => [l.component, l.agent])).toEqual([
      ['control', 'office-1'],
      ['control.http', 'office-1'],
      ['source.odbc', 'office-1'],
    ]);
    expect(lines[1]).toMatchObject({ route: '/status' });
    expect(lines[2]).toMatchObject({ source: 'erp', stream: 'receipts', level: 'warn' });
  });

  it('keep a child level', async () => {
    const file = join(dir, 'agent.log');
    const quiet = createLogger({ level: 'info', destination: file }).child({ component: 'a' }, { level: 'error' });
    quiet.child({ component: 'b' }).warn('Not written.');
    quiet.child({ component: 'b' }).error('Written.');
    expect((await linesOf(file)).map((l) => l.msg)).toEqual(['Written.']);
  });
});
