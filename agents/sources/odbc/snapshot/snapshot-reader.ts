/**
 * Snapshot mode for the source: runs SnapshotRound one step per read, hands each step out as a
 * batch, and makes a step's state the stream's state only when the batch is applied (after its
 * commit). A batch that was handed out and never applied (the outbox was full, the read failed)
 * makes the next read start again from the last applied state, cutting the row lists back to it.
 */
import type { StreamPlan } from '../stream-plan.ts';
import type { SnapshotSettings } from '../stream-settings.ts';
import type { ReadContext, StreamBatch, StreamReader } from '../stream-reader.ts';
import { tableSignature } from '../schema-drift.ts';
import { SnapshotRound } from './snapshot-round.ts';
import type { RoundStep } from './snapshot-round.ts';
import type { SnapshotState } from './snapshot-state.ts';
import { copyState, snapshotCheckpoint } from './snapshot-state.ts';

export interface SnapshotReaderOptions {
  plan: StreamPlan;
  state: SnapshotState;
  settings: SnapshotSettings;
  pageRows: number;
  timeZone: string;
}

interface Running {
  round: SnapshotRound;
  steps: AsyncGenerator<RoundStep>;
  working: SnapshotState;
}

export class SnapshotReader implements StreamReader {
  #plan: StreamPlan;
  #state: SnapshotState;
  #running: Running | null = null;
  #handedOut: StreamBatch | null = null;
  #context: ReadContext | null = null;
  readonly #options: SnapshotReaderOptions;

  constructor(options: SnapshotReaderOptions) {
    this.#plan = options.plan;
    this.#state = options.state;
    this.#options = options;
  }

  get plan(): StreamPlan {
    return this.#plan;
  }

  /** The state last applied (for tests and status). */
  get state(): SnapshotState {
    return this.#state;
  }

  startRound(): void {
    // A round in progress simply goes on; a finished one is followed by a new one at the next read.
  }

  replan(plan: StreamPlan): void {
    this.#plan = plan;
    this.#stop();
  }

  async read(context: ReadContext): Promise<StreamBatch> {
    this.#context = context;
    if (this.#handedOut !== null) this.#stop();
    const running = (this.#running ??= this.#start());
    let step: IteratorResult<RoundStep>;
    try {
      step = await running.steps.next();
    } catch (error) {
      this.#stop();
      throw error;
    }
    if (step.done === true) throw new Error('A snapshot round ended without its final step.');
    const { records, done } = step.value;
    const reached = copyState(running.working);
    const mustCommit = records.length > 0 || (done && running.round.changed);
    const saved = mustCommit ? snapshotCheckpoint(reached) : null;
    const batch: StreamBatch = {
      records,
      checkpoint: saved?.checkpoint ?? null,
      ...(saved !== null && { checkpointParts: saved.parts }),
      done,
      mustCommit,
      apply: () => {
        if (this.#handedOut !== batch) return;
        this.#handedOut = null;
        // Committed: the parts its checkpoint names are stored now (a batch applied without a commit changed none),
        // also for the round going on, whose next checkpoints then name them without writing them again.
        if (saved !== null) reached.stored = running.working.stored = new Set(saved.parts.keep);
        this.#state = reached;
        if (done) this.#running = null;
      },
    };
    this.#handedOut = batch;
    return batch;
  }

  #start(): Running {
    const working = copyState(this.#state);
    // Rows appended after the applied state belong to batches that were never applied.
    working.next.truncate(working.nextLength);
    const round = new SnapshotRound(
      working,
      {
        plan: this.#plan,
        settings: this.#options.settings,
        pageRows: this.#options.pageRows,
        timeZone: this.#options.timeZone,
        columns: tableSignature(this.#plan.table),
      },
      () => this.#context!,
    );
    return { round, steps: round.run(), working };
  }

  #stop(): void {
    void this.#running?.steps.return(undefined);
    this.#running = null;
    this.#handedOut = null;
  }
}
