/**
 * A one-shot command (enroll, secret set, dlq discard, the demo's enrollment) records an audit entry
 * and closes the agent at once. The entry's MAC is added asynchronously, after the keychain answers;
 * closing first left the entry without one, and the next start reported the audit key "gone from the
 * keychain" (or the chain broken): a false tamper alarm on every fresh install that enrolled this way.
 * Runs against the real Secret Service keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.ts';
import { parseConfigText } from './load-config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tya-close-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const loaded = parseConfigText(
  JSON.stringify({ agent: { name: `close-audit-${process.pid}`, dataDir: 'data' }, cloud: { url: 'http://127.0.0.1:9', entity: 'e' } }),
  path.join(dir, 'agent.json'),
);

describe('Agent.close after an audit entry', () => {
  it('waits for the entry to be sealed, so the next start finds the key and an intact chain', async () => {
    const first = Agent.open({ loaded });
    first.outbox.audit.record({ event: 'secret-set', subject: 'sources/pos/password' });
    await first.close();

    const second = Agent.open({ loaded });
    try {
      const key = await second.outbox.audit.unlock();
      expect(key.state, 'the audit key made for the first entry is in the keychain').toBe('ready');
      const verdict = second.outbox.audit.verify(key.state === 'ready' ? key.key : null);
      expect(verdict).toMatchObject({ ok: true, entries: 1 });
      expect(second.outbox.listAlerts().map((alert) => alert.code)).not.toContain('audit_key_missing');
    } finally {
      await second.close();
    }
  });
});
