/**
 * A changed log level applies without a restart: the dashboard's settings and a config reload both
 * go through applyConfig, and component loggers made before the change follow it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.ts';
import { parseConfigText } from './load-config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tya-loglevel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(level: string) {
  return parseConfigText(
    JSON.stringify({ agent: { name: 'loglevel', dataDir: 'data' }, cloud: { url: 'http://127.0.0.1:9', entity: 'e' }, logging: { level, maxBytes: 1048576 } }),
    path.join(dir, 'agent.json'),
  );
}

describe('log level', () => {
  it('changes live: debug lines appear after the change and stop after changing back, from loggers made before it', async () => {
    const agent = Agent.open({ loaded: config('info') });
    try {
      const component = agent.logger.child({ component: 'source.odbc', source: 'erp' }).child({ stream: 'orders' });
      component.debug('Before the change: not written.');
      await agent.applyConfig(config('debug'));
      component.debug('At debug: written.');
      await agent.applyConfig(config('warn'));
      component.debug('Back down: not written.');
      component.info('Info at warn: not written.');
      component.warn('A warning: written.');
      const messages = readFileSync(agent.layout.logFile, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages.filter((m) => /written/.test(m))).toEqual(['At debug: written.', 'A warning: written.']);
      expect(agent.logger.level).toBe('warn');
    } finally {
      await agent.close();
    }
  });
});
