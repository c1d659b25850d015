/**
 * The data folder's lock with real processes: a holder blocks others (its pid is named), a kill -9
 * of the holder frees the folder at once (no stale lock, no PID guessing), and a holder's own
 * record is what a refusal shows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirBusyError, DataDirLock } from './data-dir-lock.ts';

const LOCK_MODULE = path.join(import.meta.dirname, 'data-dir-lock.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-lock-'));
  dirs.push(dir);
  return dir;
}

/** A separate process that takes the lock, says so, and holds it until killed. */
function holderProcess(dataDir: string): Promise<ChildProcess> {
  const script = `
    const { DataDirLock } = await import(${JSON.stringify(LOCK_MODULE)});
    DataDirLock.acquire(${JSON.stringify(dataDir)}, 'run');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}: ${err}`)));
  });
}

describe('DataDirLock', () => {
  it('refuses a second holder in another process, naming its pid, until that process is killed -9', async () => {
    const dir = tempDir();
    const holder = await holderProcess(dir);
    expect(DataDirLock.probe(dir)).toMatchObject({ pid: holder.pid, command: 'run' });
    let refusal: unknown;
    try {
      DataDirLock.acquire(dir, 'run');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirBusyError);
    expect((refusal as DataDirBusyError).holder?.pid).toBe(holder.pid);
    expect((refusal as Error).message).toContain(`pid ${holder.pid}`);

    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    // The kernel dropped the dead holder's lock: taken over at once, and the record is ours.
    expect(DataDirLock.probe(dir)).toBeNull();
    const lock = DataDirLock.acquire(dir, 'sync');
    expect(DataDirLock.probe(dir)).toMatchObject({ pid: process.pid, command: 'sync' });
    lock.release();
    expect(DataDirLock.probe(dir)).toBeNull();
  });

  it('is exclusive within one process too, and free again after release', () => {
    const dir = tempDir();
    const first = DataDirLock.acquire(dir, 'run');
    expect(() => DataDirLock.acquire(dir, 'run')).toThrow(DataDirBusyError);
    first.release();
    const second = DataDirLock.acquire(dir, 'run');
    expect(second.held).toBe(true);
    second.release();
    expect(second.held).toBe(false);
  });

  it('says nobody holds a folder that never had an agent', () => {
    expect(DataDirLock.probe(tempDir())).toBeNull();
  });
});
