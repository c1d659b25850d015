/**
 * The folder source's side of read-worker.ts: one worker thread, created when a file is to be read
 * and ended after a while without files, that parses each file under its budget (read-budget.ts).
 * A file over its time budget is stopped by terminating the thread; one over the memory budget
 * stops it by itself (the thread's heap is limited). Either way the file is rejected with the
 * reason, and the next file gets a fresh thread.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ParseOptions } from '../../formats/index.ts';
import type { FileKind, FileReaderOptions, ReadOutcome } from './file-reader.ts';
import { overBudgetReason, readBudgetFor, type ReadBudget } from './read-budget.ts';
import type { EntryPage, WorkerReply, WorkerRequest } from './read-worker.ts';

export interface FileReadWorkerOptions {
  /** A thread without work for this long is ended (it holds some memory). Default 10 minutes. */
  idleMs?: number;
  /** Override for tests. */
  budgetFor?: (bytes: number) => ReadBudget;
}

interface Call {
  id: number;
  /** The thread this call runs on: events of an ended thread must not touch a later call. */
  worker: Worker;
  onStarted?: (worker: Worker) => void;
  onPage?: (page: EntryPage) => void;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** What the second pass over a large accepted file reports when it ends. */
export interface EntriesDone {
  sha256: string;
  entries: number;
  accepted: boolean;
  error?: { code: string; message: string };
  /** Exact warnings of this pass (the check pass stops remembering references past a limit). */
  warnings?: string[];
}

/** How often the reading thread's CPU time is looked at against the file's budget. */
const CPU_POLL_MS = 100;
/** The wall-clock limit, for a thread that waits (a hung share) rather than works: 4 × budget + 10 s. */
const WALL_FACTOR = 4;
const WALL_EXTRA_MS = 10_000;

class WorkerStopped extends Error {
  readonly why: 'time' | 'memory' | 'exit';
  constructor(why: 'time' | 'memory' | 'exit', message: string) {
    super(message);
    this.why = why;
  }
}

export class FileReadWorker {
  private worker: Worker | null = null;
  private call: Call | null = null;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly budgetFor: (bytes: number) => ReadBudget;

  constructor(options: FileReadWorkerOptions = {}) {
    this.idleMs = options.idleMs ?? 600_000;
    this.budgetFor = options.budgetFor ?? readBudgetFor;
  }

  /** Parses and checks a file in the worker; over budget it is rejected, never waited for. */
  async read(file: string, fileKind: FileKind, options: FileReaderOptions, bytes: number): Promise<ReadOutcome> {
    const budget = this.budgetFor(bytes);
    let watch: NodeJS.Timeout | undefined;
    let backstop: NodeJS.Timeout | undefined;
    try {
      return (await this.request({ type: 'read', id: 0, path: file, fileKind, options }, budget.memoryMb, {
        // The clock starts when the worker starts on the file (a fresh thread loads its code first)
        // and counts the thread's CPU time, so a machine busy with other work does not make a good
        // file "too slow"; a wall-clock backstop catches a thread that waits instead of working.
        onStarted: (worker) => {
          let start: number | undefined;
          const cpu = async (): Promise<number> => {
            const used = await worker.cpuUsage();
            return (used.user + used.system) / 1000;
          };
          const poll = (): void => {
            watch = setTimeout(() => {
              cpu().then(
                (ms) => {
                  start ??= ms;
                  if (ms - start > budget.timeMs) this.stop('time');
                  else if (this.call?.worker === worker) poll();
                },
                () => undefined,
              );
            }, CPU_POLL_MS);
          };
          void cpu().then(
            (ms) => (start = ms),
            () => undefined,
          );
          poll();
          backstop = setTimeout(() => this.stop('time'), WALL_FACTOR * budget.timeMs + WALL_EXTRA_MS);
        },
      })) as ReadOutcome;
    } catch (error) {
      if (!(error instanceof WorkerStopped) || error.why === 'exit') throw error;
      const { reason, hint } = overBudgetReason(error.why, path.basename(file), bytes, budget);
      return {
        kind: 'rejected',
        fileKind,
        rejection: { reason: `${reason[0]?.toUpperCase() ?? ''}${reason.slice(1)}.`, hint },
      };
    } finally {
      if (watch !== undefined) clearTimeout(watch);
      if (backstop !== undefined) clearTimeout(backstop);
    }
  }

  /**
   * The entries of a large file that `read` accepted, parsed again and handed out one page at a
   * time: `onPage` is awaited before the worker reads on, so memory holds about one page.
   */
  async entries(
    file: string,
    options: ParseOptions,
    skip: number,
    pageRows: number,
    onPage: (page: EntryPage) => Promise<void>,
  ): Promise<EntriesDone> {
    let chain = Promise.resolve();
    let failure: Error | undefined;
    const done = (await this.request(
      { type: 'entries', id: 0, path: file, options, skip, pageRows },
      this.budgetFor(0).memoryMb,
      {
        onPage: (page) => {
          chain = chain
            .then(() => onPage(page))
            .then(
              () => this.post({ type: 'next', id: this.call?.id ?? 0 }),
              (error: unknown) => {
                failure = error instanceof Error ? error : new Error(String(error));
                this.stop('exit');
              },
            );
        },
      },
    ).catch((error: unknown) => {
      throw failure ?? (error instanceof Error ? error : new Error(String(error)));
    })) as EntriesDone;
    await chain;
    if (failure !== undefined) throw failure;
    return done;
  }

  /**
   * Starts the thread now, so the first file does not wait for it to load the parsers (most of a
   * second): a shift-close report must reach the cloud seconds after the till closes.
   */
  warm(): void {
    if (this.worker !== null || this.call !== null) return;
    this.ensureWorker(this.budgetFor(0).memoryMb);
    this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private request(
    message: WorkerRequest,
    memoryMb: number,
    hooks: Pick<Call, 'onStarted' | 'onPage'>,
  ): Promise<unknown> {
    if (this.call !== null) throw new Error('FileReadWorker: one request at a time');
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.ensureWorker(memoryMb);
    const id = this.nextId++;
    // Referenced while working (a one-off `sync` must not exit mid-file), not while idle.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.call = { id, worker, ...hooks, resolve, reject };
      worker.postMessage({ ...message, id });
    }).finally(() => {
      this.call = null;
      worker.unref();
      if (this.worker !== null) {
        this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
        this.idleTimer.unref();
      }
    });
  }

  private post(message: WorkerRequest): void {
    this.worker?.postMessage(message);
  }

  private ensureWorker(memoryMb: number): Worker {
    if (this.worker !== null) return this.worker;
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const worker = new Worker(new URL(`./read-worker${extension}`, import.meta.url), {
      // The old generation holds the file's budget; a small young one is enough for a parser's
      // short-lived garbage, and a big one is resident memory the agent's 200 MiB cannot spare.
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 8 },
    });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker === worker) this.worker = null;
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      if (this.call?.worker === worker) this.call.reject(memory ? new WorkerStopped('memory', error.message) : error);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.call?.worker === worker)
        this.call.reject(new WorkerStopped('exit', `The file reading thread stopped (exit code ${code}).`));
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the thread mid-file: over the time budget, or the consumer of pages failed. */
  private stop(why: 'time' | 'exit'): void {
    const worker = this.worker;
    this.worker = null;
    const call = this.call;
    void worker?.terminate();
    call?.reject(new WorkerStopped(why, why === 'time' ? 'over the time budget' : 'stopped'));
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const call = this.call;
    if (call === null || call.worker !== worker || reply.id !== call.id) return;
    switch (reply.type) {
      case 'started':
        call.onStarted?.(worker);
        return;
      case 'page':
        call.onPage?.(reply.page);
        return;
      case 'result':
        call.resolve(reply.value);
        return;
      case 'error': {
        const error = new Error(reply.error.message) as NodeJS.ErrnoException;
        error.name = reply.error.name;
        if (reply.error.code !== undefined) error.code = reply.error.code;
        if (reply.error.stack !== undefined) error.stack = reply.error.stack;
        call.reject(error);
        return;
      }
    }
  }
}
