/**
 * The service vault across processes (agents/vault/vault-lock.ts): the agent rotating its cloud
 * credentials while an administrator runs `secret set --service` or `doctor` must not lose either
 * write, a writer killed inside its write must not block the next one, and a hung writer gives a
 * clear error instead of a silent wait. Real processes, a real vault file, the real OS lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../agents/pipeline/errors.ts';
import { ServiceFileSecretStore } from '../../agents/vault/service-file-secret-store.ts';
import { withVaultLock } from '../../agents/vault/vault-lock.ts';

const CHILD = path.resolve(import.meta.dirname, '../helpers/vault-child.ts');
const WRITERS = 3;
const WRITES_EACH = 30;
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function vaultPaths(): { file: string; keyFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tya-vault-procs-'));
  dirs.push(dir);
  return { file: path.join(dir, 'vault', 'secrets.enc'), keyFile: path.join(dir, 'vault', 'vault.key') };
}

function child(args: string[]): { process: ChildProcess; lines: AsyncIterator<string> } {
  const started = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(started);
  return { process: started, lines: createInterface({ input: started.stdout })[Symbol.asyncIterator]() };
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

describe('service vault shared by several processes', () => {
  it(`keeps every write when ${WRITERS} processes and this one write at the same time`, async () => {
    const { file, keyFile } = vaultPaths();
    const here = new ServiceFileSecretStore({ file, keyFile });
    await here.set('cloud/client-secret', 'before-rotation-0001');
    const writers = Array.from({ length: WRITERS }, (_, w) => child(['write', file, keyFile, `proc${w}`, String(WRITES_EACH)]));
    // Meanwhile this process rotates a credential again and again, as the agent would.
    for (let i = 0; i < WRITES_EACH; i += 1) await here.set('cloud/client-secret', `rotated-${i}-secret`);
    const codes = await Promise.all(writers.map((w) => exited(w.process)));
    expect(codes).toEqual(Array(WRITERS).fill(0));

    const reader = new ServiceFileSecretStore({ file, keyFile });
    const missing: string[] = [];
    for (let w = 0; w < WRITERS; w += 1) {
      for (let i = 0; i < WRITES_EACH; i += 1) {
        if ((await reader.get(`proc${w}/${i}`)) !== `value-of-proc${w}-${i}`) missing.push(`proc${w}/${i}`);
      }
    }
    expect(missing, 'secrets lost to another process overwriting the vault').toEqual([]);
    expect(await reader.get('cloud/client-secret')).toBe(`rotated-${WRITES_EACH - 1}-secret`);
  });

  it('is not blocked by a writer killed while it held the lock', async () => {
    const { file, keyFile } = vaultPaths();
    const holder = child(['hold', file]);
    expect((await holder.lines.next()).value).toBe('held');
    holder.process.kill('SIGKILL');
    await exited(holder.process);
    const store = new ServiceFileSecretStore({ file, keyFile });
    const started = performance.now();
    await store.set('db/password', 'after-the-kill-42');
    // The kernel dropped the dead holder's lock: no waiting for a timeout.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await store.get('db/password')).toBe('after-the-kill-42');
  });

  it('says which file is locked when another process holds it too long, and changes nothing', async () => {
    const { file, keyFile } = vaultPaths();
    const store = new ServiceFileSecretStore({ file, keyFile });
    await store.set('db/password', 'unchanged-value-7');
    const holder = child(['hold', file]);
    expect((await holder.lines.next()).value).toBe('held');
    const error = (() => {
      try {
        withVaultLock(file, () => 'ran', { waitMs: 300 });
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('vault_busy');
    expect((error as AgentError).message).toContain(file);
    expect(await store.get('db/password')).toBe('unchanged-value-7');
  });
});
