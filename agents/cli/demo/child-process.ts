import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AgentError } from '../../pipeline/errors.ts';

export interface JsonLineProcess {
  child: ChildProcess;
  /** The first line whose `event` equals the awaited one. */
  first: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Starts a helper process of the demo (the till, the sandbox cloud) that speaks JSON lines on
 * stdout, and waits for its `readyEvent`. Later lines go to `onLine`. Keeps the last stderr lines
 * so a failure to start is explained.
 */
export function startJsonLineProcess(options: {
  script: string;
  args: string[];
  readyEvent: string;
  what: string;
  hint: string;
  onLine?: (event: Record<string, unknown>) => void;
}): Promise<JsonLineProcess> {
  const child = spawn(process.execPath, [options.script, ...options.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let ready = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not a JSON event line
      }
      if (!ready && event.event === options.readyEvent) {
        ready = true;
        resolve({ child, first: event, stop });
      } else if (ready) options.onLine?.(event);
    });
    child.once('exit', (code) => {
      if (!ready) {
        reject(new AgentError('demo_process_failed', `${options.what} exited with code ${code} before it was ready: ${stderr.join('').trim()}`, { hint: options.hint }));
      }
    });
  });
}

/** A sibling script of the demo, from the source tree (.ts) or from dist/ (.js). */
export function demoScript(relativeToThisFolder: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${relativeToThisFolder}${extension}`, import.meta.url).pathname;
}
