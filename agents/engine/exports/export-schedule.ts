/**
 * Runs exports that have a `readAt` schedule. Each export's last slot is kept in the outbox's state
 * table, so a restart neither repeats a slot that ran nor forgets one missed while the agent was
 * down (that one runs once at start, like a source's `run-once`). Waits are cut into pieces of a
 * minute so a clock that jumps is noticed. A failed run is logged and alerted; the next slot runs.
 */
import { parseCron } from '../../api/cron-expression.ts';
import type { AgentConfig, ExportConfig } from '../../api/index.ts';
import { describeError } from '../../pipeline/errors.ts';
import { latestRun, nextRun } from '../../scheduler/next-run.ts';
import type { ScheduleStateStore } from '../../scheduler/read-schedule.ts';
import type { Logger } from '../../telemetry/logger.ts';

const RECHECK_MS = 60_000;

export interface ExportScheduleDeps {
  config: () => AgentConfig;
  state: ScheduleStateStore;
  now: () => number;
  logger: Logger;
  run: (name: string) => Promise<unknown>;
  /** A scheduled run failed: the engine raises (and later clears) an alert. */
  failed: (name: string, message: string) => void;
  succeeded: (name: string) => void;
}

export class ExportSchedule {
  readonly #deps: ExportScheduleDeps;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #busy: Promise<void> = Promise.resolve();

  constructor(deps: ExportScheduleDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#tick();
  }

  /** The configuration changed: look again at once. */
  refresh(): void {
    if (this.#stopped) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#tick();
  }

  /** Resolves when the look at the clock in progress (and any run it started) is over. */
  settled(): Promise<void> {
    return this.#busy;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#busy;
  }

  /** When each scheduled export runs next (status and tests). */
  nextRuns(): Array<{ name: string; nextRunAt: string | null }> {
    const now = this.#deps.now();
    return this.#scheduled().map((exp) => {
      const at = nextRun(parseCron(exp.readAt!), this.#zone(exp), now);
      return { name: exp.name, nextRunAt: at === null ? null : new Date(at).toISOString() };
    });
  }

  #tick(): void {
    this.#timer = null;
    this.#busy = this.#busy.then(() => this.#runDue()).finally(() => {
      if (this.#stopped) return;
      const now = this.#deps.now();
      const next = Math.min(...this.#scheduled().map((e) => nextRun(parseCron(e.readAt!), this.#zone(e), now) ?? Infinity));
      this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.min(RECHECK_MS, next - now)));
      this.#timer.unref();
    });
  }

  async #runDue(): Promise<void> {
    for (const exp of this.#scheduled()) {
      if (this.#stopped) return;
      const key = `export.lastSlot:${exp.name}`;
      const now = this.#deps.now();
      const slot = latestRun(parseCron(exp.readAt!), this.#zone(exp), now);
      const saved = this.#deps.state.getState(key);
      if (saved === undefined) {
        // A new schedule starts with its next slot, not with one that passed before it existed.
        this.#deps.state.setState(key, String(slot ?? now));
        continue;
      }
      if (slot === null || slot <= Number(saved)) continue;
      // The slot is marked before the run: a crash mid-run does not upload the same slot twice at
      // restart (the cloud's run-export, or the next slot, covers a run that did not finish).
      this.#deps.state.setState(key, String(slot));
      try {
        await this.#deps.run(exp.name);
        this.#deps.succeeded(exp.name);
      } catch (error) {
        const { message } = describeError(error);
        this.#deps.logger.warn({ export: exp.name }, `Scheduled export ${exp.name} failed: ${message}`);
        this.#deps.failed(exp.name, message);
      }
    }
  }

  #scheduled(): ExportConfig[] {
    return this.#deps.config().exports.filter((e) => e.readAt !== undefined);
  }

  #zone(exp: ExportConfig): string {
    const source = this.#deps.config().sources.find((s) => s.name === exp.source);
    return exp.timeZone ?? (source?.type === 'odbc' ? source.timeZone : 'UTC');
  }
}
