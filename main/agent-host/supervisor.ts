/**
 * Supervision of the agent hosted in an Electron utilityProcess (issue 11): every exit gets a typed
 * reason from its exit code (agents/cli/exit-codes.ts), a crash restarts with exponential backoff
 * (reset once the agent stayed up a while), an exit a restart cannot fix (bad config, no keychain)
 * waits for a person, and a crash loop gives up with a reason the tray can show.
 */

/** What the host needs of a child process: Electron's UtilityProcess fits this shape. */
export interface SupervisedChild {
  readonly pid: number | undefined;
  onExit(listener: (code: number) => void): void;
  kill(): boolean;
}

export interface SupervisorDeps {
  spawn(): SupervisedChild;
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
  onState(state: SupervisorState): void;
}

export type ExitReason =
  | { type: 'stopped' }
  | { type: 'crashed'; code: number }
  | { type: 'config-invalid' }
  | { type: 'keychain-unavailable' }
  | { type: 'not-enrolled' }
  | { type: 'killed'; code: number };

export type SupervisorState =
  | { phase: 'running'; pid: number | undefined; restarts: number }
  | { phase: 'restarting'; inMs: number; reason: ExitReason; restarts: number }
  | { phase: 'needs-attention'; reason: ExitReason; message: string }
  | { phase: 'gave-up'; reason: ExitReason; message: string }
  | { phase: 'stopped' };

export interface SupervisionPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Up this long: the next crash starts the backoff from the beginning again. */
  stableAfterMs: number;
  /** This many crashes within `crashWindowMs` and it stops trying. */
  maxCrashes: number;
  crashWindowMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionPolicy = { initialBackoffMs: 1000, maxBackoffMs: 60_000, stableAfterMs: 60_000, maxCrashes: 8, crashWindowMs: 10 * 60_000 };

/** Exit codes of `tya-agent run` (agents/cli/exit-codes.ts) to reasons. */
export function exitReason(code: number, stopping: boolean): ExitReason {
  if (stopping) return { type: 'stopped' };
  switch (code) {
    case 4:
      return { type: 'config-invalid' };
    case 5:
      return { type: 'keychain-unavailable' };
    case 6:
      return { type: 'not-enrolled' };
    case 0:
      // The agent never exits 0 on its own while it should be running.
      return { type: 'crashed', code };
    default:
      return code > 128 ? { type: 'killed', code } : { type: 'crashed', code };
  }
}

const ATTENTION: Partial<Record<ExitReason['type'], string>> = {
  'config-invalid': 'The configuration is not valid. Open the dashboard or fix the config file, then start the agent again.',
  'keychain-unavailable': 'The operating system keychain cannot be used. Unlock it, then start the agent again.',
  'not-enrolled': 'This agent is not connected yet. Open the dashboard to connect it.',
};

export class Supervisor {
  readonly #deps: SupervisorDeps;
  readonly #policy: SupervisionPolicy;
  #child: SupervisedChild | null = null;
  #stopping = false;
  #startedAt = 0;
  #backoffMs: number;
  #restarts = 0;
  #crashes: number[] = [];
  #timer: { cancel(): void } | null = null;

  constructor(deps: SupervisorDeps, policy: SupervisionPolicy = DEFAULT_SUPERVISION) {
    this.#deps = deps;
    this.#policy = policy;
    this.#backoffMs = policy.initialBackoffMs;
  }

  start(): void {
    this.#stopping = false;
    this.#timer?.cancel();
    this.#timer = null;
    const child = this.#deps.spawn();
    this.#child = child;
    this.#startedAt = this.#deps.now();
    child.onExit((code) => this.#exited(child, code));
    this.#deps.onState({ phase: 'running', pid: child.pid, restarts: this.#restarts });
  }

  stop(): void {
    this.#stopping = true;
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#child === null) this.#deps.onState({ phase: 'stopped' });
    else this.#child.kill();
  }

  #exited(child: SupervisedChild, code: number): void {
    if (child !== this.#child) return;
    this.#child = null;
    const reason = exitReason(code, this.#stopping);
    if (reason.type === 'stopped') return this.#deps.onState({ phase: 'stopped' });
    const attention = ATTENTION[reason.type];
    if (attention !== undefined) return this.#deps.onState({ phase: 'needs-attention', reason, message: attention });
    const now = this.#deps.now();
    if (now - this.#startedAt >= this.#policy.stableAfterMs) this.#backoffMs = this.#policy.initialBackoffMs;
    this.#crashes = [...this.#crashes.filter((t) => now - t < this.#policy.crashWindowMs), now];
    if (this.#crashes.length >= this.#policy.maxCrashes) {
      return this.#deps.onState({
        phase: 'gave-up',
        reason,
        message: `The agent stopped ${this.#crashes.length} times in ${Math.round(this.#policy.crashWindowMs / 60_000)} minutes and is not restarted again. Its log says why.`,
      });
    }
    const inMs = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#policy.maxBackoffMs);
    this.#restarts += 1;
    this.#deps.onState({ phase: 'restarting', inMs, reason, restarts: this.#restarts });
    this.#timer = this.#deps.setTimer(() => this.start(), inMs);
  }
}
