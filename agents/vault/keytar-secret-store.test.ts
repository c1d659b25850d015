import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import { KeytarSecretStore } from './keytar-secret-store.ts';
import type { KeytarLike } from './keytar-secret-store.ts';
import { redactSecrets } from './redaction.ts';

const SERVICE = 'tya-sync-agent-test';
let counter = 0;
const namespaces: string[] = [];

function uniqueNamespace(): string {
  const namespace = `vault-test-${process.pid}-${++counter}`;
  namespaces.push(namespace);
  return namespace;
}

async function entriesOf(namespace: string): Promise<string[]> {
  const all = await keytar.findCredentials(SERVICE);
  return all.map((c) => c.account).filter((account) => account.startsWith(`${namespace}/`));
}

afterEach(async () => {
  for (const namespace of namespaces.splice(0)) {
    for (const account of await entriesOf(namespace)) await keytar.deletePassword(SERVICE, account);
  }
});

describe('KeytarSecretStore against the real Secret Service', () => {
  it('stores, reads back, overwrites and deletes a secret', async () => {
    const namespace = uniqueNamespace();
    const store = new KeytarSecretStore({ service: SERVICE, namespace });
    expect(await store.get('cloud/client-secret')).toBeUndefined();

    await store.set('cloud/client-secret', 'first-value-0a1b2c');
    expect(await store.get('cloud/client-secret')).toBe('first-value-0a1b2c');
    expect(await keytar.getPassword(SERVICE, `${namespace}/cloud/client-secret`)).toBe('first-value-0a1b2c');

    await store.set('cloud/client-secret', 'second-value-3d4e5f');
    expect(await store.get('cloud/client-secret')).toBe('second-value-3d4e5f');

    expect(await store.delete('cloud/client-secret')).toBe(true);
    expect(await store.get('cloud/client-secret')).toBeUndefined();
    expect(await store.delete('cloud/client-secret')).toBe(false);
    expect(await entriesOf(namespace)).toEqual([]);
  });

  it('keeps two installations on one machine apart', async () => {
    const a = new KeytarSecretStore({ service: SERVICE, namespace: uniqueNamespace() });
    const b = new KeytarSecretStore({ service: SERVICE, namespace: uniqueNamespace() });
    await a.set('cloud/signing-secret', 'secret-of-a-111111');
    expect(await b.get('cloud/signing-secret')).toBeUndefined();
    await b.set('cloud/signing-secret', 'secret-of-b-222222');
    expect(await a.get('cloud/signing-secret')).toBe('secret-of-a-111111');
    expect(await b.delete('cloud/signing-secret')).toBe(true);
    expect(await a.get('cloud/signing-secret')).toBe('secret-of-a-111111');
  });

  it('probes with a throwaway value and leaves nothing behind', async () => {
    const namespace = uniqueNamespace();
    await new KeytarSecretStore({ service: SERVICE, namespace }).probe();
    expect(await entriesOf(namespace)).toEqual([]);
  });

  it('registers every value it reads or writes for redaction', async () => {
    const namespace = uniqueNamespace();
    const store = new KeytarSecretStore({ service: SERVICE, namespace });
    await keytar.setPassword(SERVICE, `${namespace}/db/password`, 'read-only-secret-7g8h9i');
    expect(redactSecrets('pw=read-only-secret-7g8h9i')).toBe('pw=read-only-secret-7g8h9i');
    await store.get('db/password');
    expect(redactSecrets('pw=read-only-secret-7g8h9i')).toBe('pw=[REDACTED]');
    await store.set('db/other', 'written-secret-1j2k3l');
    expect(redactSecrets('x written-secret-1j2k3l')).toBe('x [REDACTED]');
  });

  it('rejects namespaces that could collide with another installation', () => {
    expect(() => new KeytarSecretStore({ namespace: 'a/b' })).toThrow(/namespace/);
    expect(() => new KeytarSecretStore({ namespace: '' })).toThrow(/namespace/);
  });
});

describe('KeytarSecretStore when the keychain does not keep secrets', () => {
  // A locked Linux keyring: writes "succeed", reads return null.
  const lockedKeyring: KeytarLike = {
    setPassword: () => Promise.resolve(),
    getPassword: () => Promise.resolve(null),
    deletePassword: () => Promise.resolve(false),
  };

  it('refuses to report a write it cannot read back', async () => {
    const store = new KeytarSecretStore({ namespace: 'locked', keytar: lockedKeyring });
    const error = await store.set('cloud/client-secret', 'never-kept-4m5n6o').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('keychain_unavailable');
    expect((error as AgentError).message).toMatch(/No secret was stored/);
    expect((error as AgentError).message).not.toContain('never-kept-4m5n6o');
    expect((error as AgentError).hint).toMatch(/unlock the login keyring/);
    await expect(store.probe()).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('treats a keychain that never answers as unavailable', async () => {
    const hanging: KeytarLike = { ...lockedKeyring, setPassword: () => new Promise<void>(() => {}) };
    const store = new KeytarSecretStore({ namespace: 'hanging', keytar: hanging, timeoutMs: 50 });
    await expect(store.set('x', 'hanging-secret-7p8q9r')).rejects.toMatchObject({
      code: 'keychain_unavailable',
      message: expect.stringMatching(/did not answer within 50 ms.*No secret was stored/) as unknown,
    });
  });
});

describe('KeytarSecretStore without any reachable Secret Service', () => {
  it('rejects with keychain_unavailable and writes nothing anywhere', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tya-vault-nokeyring-'));
    try {
      const storeUrl = pathToFileURL(join(import.meta.dirname, 'keytar-secret-store.ts')).href;
      const script = `
        import { KeytarSecretStore } from ${JSON.stringify(storeUrl)};
        const store = new KeytarSecretStore({ namespace: 'no-keyring' });
        const outcome = {};
        for (const [name, run] of Object.entries({
          set: () => store.set('cloud/client-secret', 'child-secret-5s6t7u8v'),
          get: () => store.get('cloud/client-secret'),
          probe: () => store.probe(),
        })) {
          try { await run(); outcome[name] = { ok: true }; }
          catch (e) { outcome[name] = { code: e.code, message: e.message, hint: e.hint }; }
        }
        process.stdout.write(JSON.stringify(outcome));
      `;
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
        HOME: home,
        TMPDIR: home,
        XDG_DATA_HOME: home,
        XDG_CONFIG_HOME: home,
        XDG_CACHE_HOME: home,
        XDG_RUNTIME_DIR: home,
      };
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: home,
        env,
        timeout: 30_000,
      });
      const outcome = JSON.parse(stdout) as Record<string, { code?: string; message?: string; hint?: string }>;
      for (const name of ['set', 'get', 'probe']) {
        expect(outcome[name]?.code, name).toBe('keychain_unavailable');
        expect(outcome[name]?.hint, name).toMatch(/gnome-keyring and libsecret/);
      }
      expect(outcome.set?.message).toMatch(/No secret was stored/);
      expect(stdout + stderr).not.toContain('child-secret-5s6t7u8v');
      expect(await readdir(home, { recursive: true })).toEqual([]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
