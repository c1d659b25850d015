/**
 * The outbox's whole-file check after an unclean stop, run while the agent already delivers
 * (start-check.ts says why). better-sqlite3 is synchronous, so the check runs in a worker thread on
 * its own read-only connection. Damage found there distrusts the outbox at once: no batch and no
 * file upload is handed out any more, a critical alert says what to do, and the next start checks
 * the whole file before anything else (and moves a damaged one aside, as at any start).
 */
import { Worker } from 'node:worker_threads';
import type { StartCheck } from './start-check.ts';

export type BackgroundVerdict =
  | { state: 'passed'; ms: number }
  /** `unrecorded`: the alert could not be stored (the damage may be where alerts live); the log must say it. */
  | { state: 'damaged'; problem: string; ms: number; unrecorded?: string }
  /** The check itself could not run (not damage): the outbox stays trusted, the log says why. */
  | { state: 'failed'; error: string; ms: number }
  /** The outbox closed before the check ended. */
  | { state: 'stopped' };

/** The critical alert for damage found while running. */
export function damageAlert(path: string, problem: string): { code: string; severity: 'critical'; message: string } {
  return {
    code: 'outbox_damaged',
    severity: 'critical',
    message:
      `The background check of the outbox ${path} found damage, so delivery from it has stopped (nothing is sent ` +
      `from a damaged file). Restart the agent: it checks the whole file first, moves a damaged one aside and starts ` +
      `a new outbox; sources re-read and the cloud's dedupe prevents duplicates. (SQLite reported: ${problem.slice(0, 200)})`,
  };
}

type WorkerReply = { problem: string | null } | { error: string; corrupt: boolean };

export class OutboxIntegrity {
  readonly startCheck: StartCheck;
  readonly #path: string;
  readonly #onDamage: (problem: string) => void;
  #worker: Worker | null = null;
  #distrusted = false;

  constructor(path: string, startCheck: StartCheck, onDamage: (problem: string) => void) {
    this.#path = path;
    this.startCheck = startCheck;
    this.#onDamage = onDamage;
  }

  /** Damage was found while running: hand out nothing more from this file. */
  get distrusted(): boolean {
    return this.#distrusted;
  }

  /** Starts the whole-file check when the start check left it to the background; null otherwise. */
  runInBackground(): Promise<BackgroundVerdict> | null {
    if (!this.startCheck.backgroundNeeded || this.#worker !== null) return null;
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const worker = new Worker(new URL(`./integrity-worker${extension}`, import.meta.url), {
      workerData: { path: this.#path },
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    this.#worker = worker;
    return new Promise<BackgroundVerdict>((resolve) => {
      let settled = false;
      const settle = (verdict: BackgroundVerdict) => {
        if (settled) return;
        settled = true;
        if (this.#worker === worker) this.#worker = null;
        void worker.terminate();
        if (verdict.state === 'damaged') {
          const unrecorded = this.#distrust(verdict.problem);
          if (unrecorded !== null) verdict.unrecorded = unrecorded;
        }
        resolve(verdict);
      };
      worker.on('message', (reply: WorkerReply) => {
        if ('problem' in reply) {
          settle(
            reply.problem === null
              ? { state: 'passed', ms: ms() }
              : { state: 'damaged', problem: reply.problem, ms: ms() },
          );
        } else if (reply.corrupt) settle({ state: 'damaged', problem: reply.error, ms: ms() });
        else settle({ state: 'failed', error: reply.error, ms: ms() });
      });
      worker.on('error', (error: Error) => settle({ state: 'failed', error: error.message, ms: ms() }));
      worker.on('exit', () =>
        settle(
          this.#worker === worker
            ? { state: 'failed', error: 'the check thread ended without an answer', ms: ms() }
            : { state: 'stopped' },
        ),
      );
    });
  }

  /** The outbox closes: end a running check (its promise resolves `stopped`). */
  stop(): void {
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) void worker.terminate();
  }

  /** Returns why the damage could not be recorded in the file, or null when it was. */
  #distrust(problem: string): string | null {
    this.#distrusted = true;
    try {
      this.#onDamage(problem);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
