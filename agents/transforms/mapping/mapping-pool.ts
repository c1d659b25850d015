/**
 * Runs mappings in worker threads (node:worker_threads) under the limits of mapping-limits.ts.
 * JSONata evaluates synchronously between its step checks, so a record stuck inside one built-in call
 * can only be stopped from outside: past `hardTimeMs` its thread is terminated, the record gets an
 * error naming the limit, and the next record starts a fresh thread. A thread that runs out of heap
 * is replaced the same way. Other mappings queued behind a hostile one keep running.
 *
 * Up to IN_FLIGHT records are handed to a thread at once: it maps them one after another (never two
 * at a time, so each record's time is its own), and the next is already there when one is done. One
 * record per round trip left both threads waiting on each other: a page of receipts mapped at a
 * tenth of the rate without a mapping (bench/mapping). The record running is always the oldest one
 * handed out; when its thread is stopped, the others go back to the front of the queue.
 */
import { Worker } from 'node:worker_threads';
import type { JsonObject, MappingConfig, RecordKey } from '../../api/index.ts';
import { DEFAULT_MAPPING_LIMITS, type MappingLimits } from './mapping-limits.ts';
import type { RecordMapping } from './mapping-result.ts';
import type { LookupTables } from './lookup-helper.ts';
import type { MappingReply, MappingRequest } from './mapping-worker.ts';
import { threadCpuMs } from './thread-cpu.ts';

/** Records handed to one thread before it answers the first: enough to keep it busy, few to re-queue. */
const IN_FLIGHT = 32;
/**
 * The hard limit counts the thread's CPU time where the system shows it (Linux): a record that waited
 * for a core is given more wall time, up to 20 times the limit and at least a minute, so a thread that
 * is somehow stuck without running is still replaced. Generous: replacing a thread on a starved
 * machine costs far more than the record (a new thread loads JSONata again).
 */
function wallCapMs(hardTimeMs: number): number {
  return Math.max(hardTimeMs * 20, 60_000);
}
/** The shortest re-check of a record that has not yet used its CPU budget (the kernel counts in 10 ms ticks). */
const MIN_RECHECK_MS = 50;

export interface MappingHandle {
  readonly id: number;
  readonly stream: string;
}

export interface MappingPoolOptions {
  /** Threads mapping records at the same time (default 1: the agent's machines have few cores). */
  threads?: number;
  /** Limits for every mapping loaded into this pool; the heap limit applies per thread. */
  limits?: Partial<MappingLimits>;
}

interface Job {
  id: number;
  mappingId: number;
  data: JsonObject;
  key: RecordKey;
  resolve(result: RecordMapping): void;
}

interface Slot {
  worker: Worker | null;
  /** The thread has loaded its modules: records are sent only then, so start-up is not their time. */
  ready: boolean;
  /** Mappings this slot's current thread has been sent. */
  known: Set<number>;
  /** Records handed to the thread, oldest first: the oldest is the one running. */
  jobs: Job[];
  timer: NodeJS.Timeout | null;
  /** When the oldest record started running (as near as the main thread can tell). */
  started: number;
  /** The thread's kernel id, when the system lets another thread read its CPU time. */
  tid: number | undefined;
  /** The thread's CPU time when it last answered: what the running record's CPU time counts from. */
  cpuMs: number;
}

export class MappingPool {
  /** Threads terminated or lost (over the hard time limit, out of memory): for tests and metrics. */
  restarts = 0;
  readonly limits: MappingLimits;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly mappings = new Map<number, { config: MappingConfig; tables: LookupTables | undefined }>();
  private nextMappingId = 1;
  private nextJobId = 1;
  private closed = false;

  constructor(options: MappingPoolOptions = {}) {
    this.limits = { ...DEFAULT_MAPPING_LIMITS, ...options.limits };
    const threads = Math.max(1, Math.min(options.threads ?? 1, 8));
    this.slots = Array.from({ length: threads }, () => ({ worker: null, ready: false, known: new Set<number>(), jobs: [], timer: null, started: 0, tid: undefined, cpuMs: 0 }));
  }

  /** Makes a (checked) mapping available to the threads, with its lookups' tables; compiled in each thread on first use. */
  load(config: MappingConfig, tables?: LookupTables): MappingHandle {
    const id = this.nextMappingId++;
    this.mappings.set(id, { config, tables });
    return { id, stream: config.stream };
  }

  unload(handle: MappingHandle): void {
    this.mappings.delete(handle.id);
  }

  /** Maps one record's data. Never rejects: every failure is a result with an error. */
  map(handle: MappingHandle, record: { key: RecordKey; data: JsonObject }): Promise<RecordMapping> {
    if (this.closed) return Promise.resolve(failed('internal', 'The mapping threads were stopped.'));
    if (!this.mappings.has(handle.id)) return Promise.resolve(failed('internal', `The mapping for stream "${handle.stream}" was unloaded.`));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextJobId++, mappingId: handle.id, data: record.data, key: record.key, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(failed('internal', 'The mapping threads were stopped.'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        while (slot.jobs.length > 0) this.finish(slot, failed('internal', 'The mapping threads were stopped.'));
        slot.worker = null;
        await worker?.terminate();
      }),
    );
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.worker === null || !slot.ready) {
        if (slot.jobs.length === 0) this.ensureWorker(slot);
        continue;
      }
      while (slot.jobs.length < IN_FLIGHT && this.queue.length > 0) this.send(slot, slot.worker, this.queue.shift()!);
    }
  }

  private send(slot: Slot, worker: Worker, job: Job): void {
    const loaded = this.mappings.get(job.mappingId);
    if (loaded === undefined) {
      job.resolve(failed('internal', 'The mapping was unloaded before its record ran.'));
      return;
    }
    const request: MappingRequest = { id: job.id, mappingId: job.mappingId, data: job.data, key: job.key };
    if (!slot.known.has(job.mappingId)) {
      request.mapping = { config: loaded.config, limits: this.limits, tables: loaded.tables };
      slot.known.add(job.mappingId);
    }
    slot.jobs.push(job);
    if (slot.jobs.length === 1) this.startClock(slot);
    worker.postMessage(request);
  }

  /** The oldest record handed out starts running now: its hard time limit counts from here. */
  private startClock(slot: Slot): void {
    slot.started = performance.now();
    slot.timer = setTimeout(() => this.checkStuck(slot), this.limits.hardTimeMs);
  }

  /**
   * The hard limit's wall time is up. Where the thread's CPU time can be read, a record that has not
   * used `hardTimeMs` of it waited for a core (a loaded machine) and is checked again later; otherwise,
   * or past the wall cap, it is stuck.
   */
  private checkStuck(slot: Slot): void {
    slot.timer = null;
    const hard = this.limits.hardTimeMs;
    const cpuNow = slot.tid === undefined ? undefined : threadCpuMs(slot.tid);
    const ranMs = cpuNow === undefined ? Infinity : cpuNow - slot.cpuMs;
    const waitedMs = performance.now() - slot.started;
    if (ranMs < hard && waitedMs < wallCapMs(hard)) {
      slot.timer = setTimeout(() => this.checkStuck(slot), Math.max(hard - ranMs, MIN_RECHECK_MS));
      return;
    }
    this.stuck(slot);
  }

  private ensureWorker(slot: Slot): Worker {
    if (slot.worker !== null) return slot.worker;
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const worker = new Worker(new URL(`./mapping-worker${extension}`, import.meta.url), {
      // The heap is the mapping's budget; the young generation only holds short-lived garbage. A
      // small stack makes runaway recursion fail fast even below the depth limit.
      resourceLimits: { maxOldGenerationSizeMb: this.limits.memoryMb, maxYoungGenerationSizeMb: 8, stackSizeMb: 4 },
    });
    worker.unref();
    worker.on('message', (reply: MappingReply) => {
      if (slot.worker !== worker) return;
      slot.cpuMs = reply.cpuMs;
      if (reply.type === 'ready') {
        slot.ready = true;
        slot.tid = reply.tid;
        this.dispatch();
        return;
      }
      if (slot.jobs[0]?.id !== reply.id) return;
      this.finish(slot, reply.result);
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.replace(slot, memory ? limitError('memory', `The mapping used more than ${this.limits.memoryMb} MiB of memory; its thread was stopped and started again.`) : failed('internal', `The mapping thread failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      this.replace(slot, failed('internal', `The mapping thread stopped (exit code ${code}).`));
    });
    slot.worker = worker;
    slot.ready = false;
    return worker;
  }

  /** Over the hard time limit: inside one call the step checks cannot interrupt. */
  private stuck(slot: Slot): void {
    const worker = slot.worker;
    this.replace(slot, limitError('time', `The record was still mapping after ${this.limits.hardTimeMs} ms, inside a single function call where the ${this.limits.timeMs} ms step check cannot stop it; its thread was stopped and started again.`));
    void worker?.terminate();
  }

  /**
   * Ends the running record with `result` and drops the thread; the records handed out after it go
   * back to the front of the queue, and the next record starts a new thread.
   */
  private replace(slot: Slot, result: RecordMapping): void {
    const starting = !slot.ready;
    slot.worker = null;
    slot.ready = false;
    slot.known.clear();
    this.restarts += 1;
    if (slot.jobs.length === 0 && starting) {
      // The thread died before it could take a record: fail one waiting record, so a thread that
      // cannot start at all is not started again forever.
      this.queue.shift()?.resolve(result);
    }
    const waiting = slot.jobs.splice(1);
    this.finish(slot, result);
    this.queue.unshift(...waiting);
    if (!this.closed) this.dispatch();
  }

  /** Ends the oldest record handed out with `result`; the next one handed out starts running. */
  private finish(slot: Slot, result: RecordMapping): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    const job = slot.jobs.shift();
    if (job === undefined) return;
    const elapsed = performance.now() - slot.started;
    if (slot.jobs.length > 0) this.startClock(slot);
    job.resolve(result.ok || result.elapsedMs > 0 ? result : { ...result, elapsedMs: elapsed });
  }
}

function failed(code: 'internal', message: string): RecordMapping {
  return { ok: false, error: { code, message }, elapsedMs: 0 };
}

function limitError(limit: 'time' | 'memory', message: string): RecordMapping {
  return { ok: false, error: { code: 'limit', limit, message }, elapsedMs: 0 };
}
