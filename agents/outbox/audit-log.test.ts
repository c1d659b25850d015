// The audit chain against real SQLite and the real keychain (run under scripts/with-keyring.sh):
// every kind of tampering the issue names is detected, and named, at the entry where it happened.
import Database from 'better-sqlite3';
import keytar from 'keytar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../vault/keytar-secret-store.ts';
import { runAsActor } from './audit-actor.ts';
import { assertNotAuditKey, AUDIT_KEY_REF, type AuditKeyState } from './audit-log.ts';
import { Outbox } from './outbox.ts';
import { ManualClock, makeTempDir, type TempDir } from './outbox-test-kit.ts';

const SERVICE = 'tya-sync-agent-test';
let counter = 0;
let temp: TempDir;
let namespace: string;
let outbox: Outbox;
let secrets: KeytarSecretStore;

function open(): Outbox {
  const opened = Outbox.open({ path: temp.path('outbox.sqlite'), maxBytes: 10_000_000, synchronous: 'FULL', clock: new ManualClock() });
  opened.audit.attachKeychain(secrets);
  return opened;
}

async function keyOf(log: Outbox): Promise<Buffer> {
  const state: AuditKeyState = await log.audit.unlock();
  if (state.state !== 'ready') throw new Error(`the audit key is not ready: ${state.state}`);
  return state.key;
}

/** Five entries, as three different actors. */
async function writeFive(): Promise<void> {
  await keyOf(outbox);
  outbox.audit.record({ event: 'enrolled', subject: 'ag_1', details: { cloudUrl: 'http://127.0.0.1:1' } });
  runAsActor('socket:admin', () => outbox.audit.record({ event: 'config-changed', subject: 'settings', details: { fields: 'logLevel' } }));
  runAsActor('socket:admin', () => outbox.audit.record({ event: 'secret-set', subject: 'sources/shop/password' }));
  await runAsActor('cloud:cmd_7', async () => {
    await Promise.resolve();
    outbox.audit.record({ event: 'command-executed', subject: 'pause', details: { ok: true } });
  });
  outbox.audit.record({ event: 'dead-letters-discarded', subject: 'all', details: { count: 3 } });
  await outbox.audit.settled();
}

/** The test is the attacker: it writes the file directly while no agent has it open, as anyone with access could. */
function sql(statement: string): void {
  outbox.close();
  const db = new Database(temp.path('outbox.sqlite'));
  db.exec(statement);
  db.close();
  outbox = open();
}

beforeEach(() => {
  temp = makeTempDir();
  namespace = `audit-test-${process.pid}-${++counter}`;
  secrets = new KeytarSecretStore({ service: SERVICE, namespace });
  outbox = open();
});

afterEach(async () => {
  outbox.close();
  temp.remove();
  for (const c of await keytar.findCredentials(SERVICE)) if (c.account.startsWith(`${namespace}/`)) await keytar.deletePassword(SERVICE, c.account);
});

describe('AuditLog', () => {
  it('makes its key in the keychain on first use and keeps an intact chain with actors', async () => {
    expect(await secrets.get(AUDIT_KEY_REF)).toBeUndefined();
    await writeFive();
    expect(await secrets.get(AUDIT_KEY_REF)).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const entries = outbox.audit.list({ limit: 10 });
    expect(entries.map((e) => [e.seq, e.actor, e.event])).toEqual([
      [5, 'system', 'dead-letters-discarded'],
      [4, 'cloud:cmd_7', 'command-executed'],
      [3, 'socket:admin', 'secret-set'],
      [2, 'socket:admin', 'config-changed'],
      [1, 'system', 'enrolled'],
    ]);
    expect(entries.every((e) => e.mac !== null)).toBe(true);
    expect(outbox.audit.head()).toBe(entries[0]!.hash);
    expect(outbox.audit.verify(await keyOf(outbox))).toEqual({ ok: true, entries: 5, head: entries[0]!.hash, acknowledgedHead: null });
  });

  it('keeps the key out of reach of the credential routes and commands', () => {
    expect(() => assertNotAuditKey(AUDIT_KEY_REF)).toThrow(/audit log's own key/);
    expect(() => assertNotAuditKey('audit/other')).toThrow(/cannot be set or removed by hand/);
    expect(() => assertNotAuditKey('sources/shop/password')).not.toThrow();
  });

  it('seals entries recorded before the key was read, once it is', async () => {
    outbox.audit.record({ event: 'revoked', subject: 'ag_1' });
    expect(outbox.audit.list({ limit: 1 })[0]!.mac).toBeNull();
    await outbox.audit.settled();
    expect(outbox.audit.list({ limit: 1 })[0]!.mac).toMatch(/^[0-9a-f]{64}$/);
    expect(outbox.audit.verify(await keyOf(outbox)).ok).toBe(true);
  });

  it('detects an edited entry', async () => {
    await writeFive();
    sql(`UPDATE audit_log SET subject = 'sources/other/password' WHERE seq = 3`);
    expect(outbox.audit.verify(await keyOf(outbox))).toMatchObject({ ok: false, seq: 3, problem: 'edited' });
  });

  it('detects an edited entry whose hash was recomputed (the MAC does not match)', async () => {
    await writeFive();
    const last = outbox.audit.list({ limit: 1 })[0]!;
    const { entryHash } = await import('./audit-chain.ts');
    const forged = entryHash({ ...last, details: { count: 0 } });
    sql(`UPDATE audit_log SET details = '{"count":0}', hash = '${forged}' WHERE seq = 5`);
    expect(outbox.audit.verify(await keyOf(outbox))).toMatchObject({ ok: false, seq: 5, problem: 'mac_wrong' });
  });

  it('detects reordered entries', async () => {
    await writeFive();
    sql(`UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 100;`);
    const verdict = outbox.audit.verify(await keyOf(outbox));
    expect(verdict).toMatchObject({ ok: false, seq: 2, problem: 'reordered' });
    expect(verdict.ok ? '' : verdict.message).toMatch(/entries were reordered/);
  });

  it('detects a deleted entry', async () => {
    await writeFive();
    sql('DELETE FROM audit_log WHERE seq = 2');
    const verdict = outbox.audit.verify(await keyOf(outbox));
    expect(verdict).toMatchObject({ ok: false, seq: 3, problem: 'deleted' });
    expect(verdict.ok ? '' : verdict.message).toMatch(/Entry 2 is missing/);
  });

  it('detects a cut chain through the head the cloud acknowledged', async () => {
    await writeFive();
    outbox.audit.acknowledge(outbox.audit.head());
    expect(outbox.audit.verify(await keyOf(outbox)).ok).toBe(true);
    sql('DELETE FROM audit_log WHERE seq >= 4');
    const verdict = outbox.audit.verify(await keyOf(outbox));
    expect(verdict).toMatchObject({ ok: false, seq: null, problem: 'head_unknown' });
    expect(verdict.ok ? '' : verdict.message).toMatch(/cut or rewritten/);
    // The cut chain's own head coming back from the cloud does not replace the evidence.
    outbox.audit.acknowledge(outbox.audit.head());
    expect(outbox.audit.verify(await keyOf(outbox))).toMatchObject({ ok: false, problem: 'head_unknown' });
  });

  it('detects a wrong key, and a key that is gone (without making a new one)', async () => {
    await writeFive();
    const wrong = Buffer.alloc(32, 7);
    expect(outbox.audit.verify(wrong)).toMatchObject({ ok: false, seq: 1, problem: 'mac_wrong' });
    expect(outbox.audit.verify(null)).toMatchObject({ ok: false, seq: 1, problem: 'key_missing' });

    await secrets.delete(AUDIT_KEY_REF);
    outbox.close();
    outbox = open();
    expect(await outbox.audit.unlock()).toEqual({ state: 'missing' });
    expect(await secrets.get(AUDIT_KEY_REF)).toBeUndefined();
    expect(outbox.listAlerts().map((a) => a.code)).toContain('audit_key_missing');
  });
});
