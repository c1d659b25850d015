/**
 * The sandbox cloud in its own process (`node sandbox/main.ts`), so the side being measured does not
 * share an event loop or a CPU-time budget with the server it talks to. Its request log (one
 * sentence per request on stderr) is passed to listeners as it arrives: a benchmark can time "the
 * cloud accepted a batch" from the server's own account of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface SandboxProcess {
  url: string;
  pid: number;
  admin: SandboxAdmin;
  child: ChildProcess;
  /** Called with each request-log line and the performance.now() at which it arrived here. */
  onLogLine(listener: (line: string, atMs: number) => void): () => void;
  close(): Promise<void>;
}

export async function startSandboxProcess(options: { dbPath: string; timeoutMs?: number }): Promise<SandboxProcess> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'sandbox/main.ts'), '--port', '0', '--db', options.dbPath],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const listeners = new Set<(line: string, atMs: number) => void>();
  const recent: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    const at = performance.now();
    recent.push(line);
    if (recent.length > 20) recent.shift();
    for (const listener of listeners) listener(line, at);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The sandbox did not start in time: ${recent.join(' | ')}`)),
      options.timeoutMs ?? 30_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The sandbox exited with ${code} before listening: ${recent.join(' | ')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && typeof event.url === 'string') {
          clearTimeout(timer);
          resolve(event.url);
        }
      } catch {
        // Not the announcement line.
      }
    });
  });
  return {
    url,
    pid: child.pid!,
    admin: new SandboxAdmin(url),
    child,
    onLogLine(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
