/**
 * The two moments the restart benchmark times, each from the spawn of a real agent process:
 * the sandbox's own log saying it answered 200 to a batch (ours), and the agent's local control
 * API answering a status request (the baseline).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlClient } from '../../agents/control/index.ts';
import type { SandboxProcess } from '../lib/sandbox-process.ts';

const ACCEPTED_BATCH = /POST \/v1\/batches answered 200\b.* in (\d+) ms/;

/**
 * Resolves with the performance.now() at which the sandbox logged an accepted batch whose request
 * began after this call (the log line says how long the request took): a request of an agent that
 * was killed a moment ago may still be answered, and must not count for the next one.
 */
export function nextAcceptedBatch(sandbox: SandboxProcess, timeoutMs: number): Promise<number> {
  const notBefore = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`The sandbox accepted no batch within ${timeoutMs} ms.`));
    }, timeoutMs);
    const off = sandbox.onLogLine((line, atMs) => {
      const match = ACCEPTED_BATCH.exec(line);
      if (match === null || atMs - Number(match[1]) < notBefore) return;
      clearTimeout(timer);
      off();
      resolve(atMs);
    });
  });
}

/** Polls the agent's control API (via its control.json) until a status request succeeds. */
export async function controlApiAnswers(dataDir: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const client = ControlClient.fromDataDir(dataDir, { timeoutMs: 1_000 });
    if (client !== null) {
      try {
        await client.status();
        return performance.now();
      } catch {
        // Not listening yet, or a stale control.json of the killed agent.
      }
    }
    await sleep(5);
  }
  throw new Error(`The control API in ${dataDir} did not answer within ${timeoutMs} ms.`);
}
