import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AgentError } from '../../pipeline/errors.ts';

export interface SandboxProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox cloud as its own process (the agent never links the cloud's code), and waits
 * for its `listening` line. Works from the source tree (.ts) and from dist/ (.js).
 */
export async function startSandboxProcess(options: { port: number; dbPath: string; enrollmentKey: string }): Promise<SandboxProcess> {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`../../../sandbox/main${extension}`, import.meta.url));
  const child = spawn(
    process.execPath,
    [script, '--port', String(options.port), '--db', options.dbPath, '--enrollment-key', options.enrollmentKey],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; url?: string };
        if (event.event === 'listening' && event.url) resolve(event.url);
      } catch {
        // not a JSON event line
      }
    });
    child.once('exit', (code) =>
      reject(
        new AgentError('sandbox_failed', `The sandbox cloud exited with code ${code} before listening: ${stderr.join('').trim()}`, {
          hint: `Is port ${options.port} already in use? Pass --port to pick another.`,
        }),
      ),
    );
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
