import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import { keychainHint } from './keychain-unavailable-error.ts';
import { redactSecrets } from './redaction.ts';
import { ServiceFileSecretStore } from './service-file-secret-store.ts';
import { vaultLockFile } from './vault-lock.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-service-vault-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function storeIn(dir: string, keyFile = path.join(dir, 'vault', 'vault.key')): ServiceFileSecretStore {
  return new ServiceFileSecretStore({ file: path.join(dir, 'vault', 'secrets.enc'), keyFile });
}

async function failure(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

describe('ServiceFileSecretStore', () => {
  it('stores, reads back, overwrites and deletes; a second instance sees the same secrets', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    expect(await store.get('cloud/client-secret')).toBeUndefined();
    await store.set('cloud/client-secret', 'first-value-0a1b2c');
    await store.set('db/password', 'pa"ss wörd/€');
    expect(await store.get('cloud/client-secret')).toBe('first-value-0a1b2c');
    await store.set('cloud/client-secret', 'second-value-3d4e5f');
    expect(await storeIn(dir).get('cloud/client-secret')).toBe('second-value-3d4e5f');
    expect(await storeIn(dir).get('db/password')).toBe('pa"ss wörd/€');
    expect(await store.delete('cloud/client-secret')).toBe(true);
    expect(await store.delete('cloud/client-secret')).toBe(false);
    expect(await store.get('cloud/client-secret')).toBeUndefined();
    await store.probe();
    expect(await store.get('db/password')).toBe('pa"ss wörd/€');
  });

  it('keeps concurrent writes of one process', async () => {
    const store = storeIn(tempDir());
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k/${i}`, `value-number-${i}`)));
    for (let i = 0; i < 20; i++) expect(await store.get(`k/${i}`)).toBe(`value-number-${i}`);
  });

  it('creates the key and the vault readable by their owner only, in a private folder', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.set('cloud/signing-secret', 'mode-check-secret-1');
    expect(statSync(store.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(store.file)).mode & 0o777).toBe(0o700);
    expect(statSync(store.keyFile).uid).toBe(process.getuid?.());
    expect(Buffer.from(readFileSync(store.keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('never writes a planted secret in plaintext (nor base64) to any file of the data dir', async () => {
    const dir = tempDir();
    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const store = storeIn(dir);
    await store.set('db/password', planted);
    await store.set('cloud/client-secret', `${planted}-2`);
    await store.delete('cloud/client-secret');
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.map((f) => f.name).sort()).toEqual(['secrets.enc', 'secrets.enc.lock', 'vault.key']);
    for (const file of files) {
      const bytes = readFileSync(path.join(file.parentPath, file.name));
      expect(bytes.includes(planted), file.name).toBe(false);
      expect(bytes.includes(Buffer.from(planted).toString('base64').slice(0, 16)), file.name).toBe(false);
    }
    expect(redactSecrets(`x ${planted}`)).toBe('x [REDACTED]');
  });

  it('refuses another key with an error that names both files, and reads nothing', async () => {
    const dir = tempDir();
    await storeIn(dir).set('db/password', 'wrong-key-secret-77');
    writeFileSync(path.join(dir, 'vault', 'vault.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const error = await failure(storeIn(dir).get('db/password'));
    expect(error.code).toBe('vault_key_mismatch');
    expect(error.message).toContain(path.join(dir, 'vault', 'secrets.enc'));
    expect(error.message).toContain(path.join(dir, 'vault', 'vault.key'));
    expect(error.hint).toMatch(/key file that belongs to this vault/);
    // A write must not replace the vault under the wrong key either.
    expect((await failure(storeIn(dir).set('db/other', 'another-secret-88'))).code).toBe('vault_key_mismatch');
  });

  it('detects an altered vault file', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.set('db/password', 'tamper-secret-99');
    const sealed = JSON.parse(readFileSync(store.file, 'utf8')) as { data: string };
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    writeFileSync(store.file, JSON.stringify({ ...sealed, data: data.toString('base64') }));
    expect((await failure(store.get('db/password'))).code).toBe('vault_tampered');
  });

  it('refuses a key file others can read, and a vault whose key is gone', async () => {
    const dir = tempDir();
    const store = storeIn(dir);
    await store.set('db/password', 'exposed-secret-11');
    chmodSync(store.keyFile, 0o644);
    const exposed = await failure(store.get('db/password'));
    expect(exposed.code).toBe('vault_key_exposed');
    expect(exposed.hint).toContain(`chmod 600 ${store.keyFile}`);
    rmSync(store.keyFile);
    expect((await failure(store.get('db/password'))).code).toBe('vault_key_missing');
  });

  it('keeps the key outside the data dir when told to', async () => {
    const dir = tempDir();
    const elsewhere = path.join(tempDir(), 'keys', 'vault.key');
    const store = storeIn(dir, elsewhere);
    await store.set('db/password', 'elsewhere-secret-22');
    expect(readdirSync(path.join(dir, 'vault')).sort()).toEqual(['secrets.enc', 'secrets.enc.lock']);
    expect(await storeIn(dir, elsewhere).get('db/password')).toBe('elsewhere-secret-22');
  });
});

describe('the keychain error on a headless Linux machine', () => {
  it('names the setting that chooses the service vault', () => {
    expect(keychainHint('linux')).toContain('"vault": {"backend": "service-file"}');
  });
});

describe('ServiceFileSecretStore written by root', () => {
  it('gives the files it creates the owner of their folder, so the service user can still read them', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: only root can create files for another user');
      context.skip();
    }
    const dir = tempDir();
    const vaultDir = path.join(dir, 'vault');
    mkdirSync(vaultDir, { mode: 0o700 });
    chownSync(vaultDir, 65534, 65534);
    const store = storeIn(dir);
    await store.set('db/password', 'root-written-secret-33');
    for (const file of [store.file, store.keyFile]) {
      expect(statSync(file).uid, file).toBe(65534);
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    // The lock file holds no secret, but the service user must be able to take the lock.
    expect(statSync(vaultLockFile(store.file)).uid).toBe(65534);
  });
});
