/**
 * The log file with rotation, in the writing thread: pino's rotating transports (pino-roll) run in
 * a worker thread, which costs an idle agent megabytes and, worse, loses the last lines on a kill -9.
 * This stays a synchronous SonicBoom: before a line would take the file past `maxBytes`, or once
 * the file is older than `rotateEveryHours`, `agent.log` is renamed `agent.log.1` (the older ones
 * shift to .2 … up to `maxFiles`, the oldest deleted), and SonicBoom's `reopen()` starts a new file.
 * Rotated files older than `maxAgeDays` are deleted at each rotation and at start. Every line goes
 * to exactly one file: rotation happens between two writes, never inside one.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';

export interface LogRotation {
  /** Rotate before a line would take the file past this size. */
  maxBytes: number;
  /** Rotated files kept (agent.log.1 … agent.log.N). */
  maxFiles: number;
  /** Rotated files older than this are deleted. */
  maxAgeDays: number;
  /** The current file is rotated once it is this old, so a quiet agent's lines still age out. */
  rotateEveryHours: number;
}

type Boom = ReturnType<typeof pino.destination>;

const ROTATION_RETRY_MS = 60_000;

/** The stream pino writes to: write, and the flush calls pino makes on exit. */
export class RotatingFileDestination {
  readonly file: string;
  readonly #boom: Boom;
  readonly #rotation: LogRotation;
  readonly #now: () => number;
  #bytes: number;
  #startedAtMs: number;
  #retryRotationAt = 0;

  constructor(file: string, rotation: LogRotation, now: () => number = Date.now) {
    this.file = file;
    this.#rotation = rotation;
    this.#now = now;
    this.#boom = pino.destination({ dest: file, sync: true, mkdir: true, mode: 0o600 });
    const existing = existsSync(file) ? statSync(file) : null;
    this.#bytes = existing?.size ?? 0;
    // A file carried over from the previous run is as old as its creation (birthtime is 0 where the
    // file system does not keep it: then the period starts now).
    this.#startedAtMs = existing !== null && existing.birthtimeMs > 0 && existing.size > 0 ? existing.birthtimeMs : now();
    this.#deleteExpired();
  }

  write(chunk: string): boolean {
    const length = Buffer.byteLength(chunk);
    const now = this.#now();
    const tooBig = this.#bytes > 0 && this.#bytes + length > this.#rotation.maxBytes;
    const tooOld = this.#bytes > 0 && now - this.#startedAtMs >= this.#rotation.rotateEveryHours * 3_600_000;
    if ((tooBig || tooOld) && now >= this.#retryRotationAt) {
      try {
        this.rotate();
        this.#retryRotationAt = 0;
      } catch (error) {
        // A log line must never crash the agent: when a rename fails (Windows: someone holds a rotated
        // file open without sharing it), keep writing to the current file and try again in a minute.
        this.#retryRotationAt = now + ROTATION_RETRY_MS;
        this.#boom.write(`${JSON.stringify({ level: 'warn', time: new Date(now).toISOString(), component: 'logger', msg: `Could not rotate the log file; it grows past its limit until the next try in a minute: ${(error as Error).message}` })}\n`);
      }
    }
    this.#bytes += length;
    return this.#boom.write(chunk);
  }

  /** Renames the current file to .1 (shifting the older ones) and starts a new one. */
  rotate(): void {
    this.#boom.flushSync();
    const { maxFiles } = this.#rotation;
    rmSync(this.#numbered(maxFiles), { force: true });
    for (let n = maxFiles - 1; n >= 1; n--) {
      if (existsSync(this.#numbered(n))) renameSync(this.#numbered(n), this.#numbered(n + 1));
    }
    if (maxFiles >= 1) renameSync(this.file, this.#numbered(1));
    else rmSync(this.file, { force: true });
    this.#boom.reopen();
    this.#bytes = 0;
    this.#startedAtMs = this.#now();
    this.#deleteExpired();
  }

  flushSync(): void {
    this.#boom.flushSync();
  }

  flush(callback?: (error?: Error) => void): void {
    this.#boom.flush(callback);
  }

  end(): void {
    this.#boom.end();
  }

  /** Rotated files past maxFiles (left by a larger setting before) or older than maxAgeDays. */
  #deleteExpired(): void {
    const oldest = this.#now() - this.#rotation.maxAgeDays * 86_400_000;
    const prefix = `${basename(this.file)}.`;
    for (const name of readdirSync(dirname(this.file))) {
      if (!name.startsWith(prefix)) continue;
      const n = Number(name.slice(prefix.length));
      if (!Number.isInteger(n) || n < 1) continue;
      const path = join(dirname(this.file), name);
      try {
        if (n > this.#rotation.maxFiles || statSync(path).mtimeMs < oldest) rmSync(path, { force: true });
      } catch {
        // Held open or not a file: it is tried again at the next rotation; logging never fails over it.
      }
    }
  }

  #numbered(n: number): string {
    return `${this.file}.${n}`;
  }
}
