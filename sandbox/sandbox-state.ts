import type { Deprecation, Limits, RejectRule } from './admin-schemas.ts';
import { SEQ_FUTURE_LIMIT_MS } from './batch-rules.ts';
import { FaultBook } from './fault-book.ts';

/**
 * The knobs tests turn at runtime through `/admin`: they live in memory, so a restarted sandbox
 * starts from its options again while its data (SQLite) survives.
 */
export class SandboxState {
  limits: Limits;
  /** Added to the real clock, for clock-skew and token-expiry tests. */
  clockOffsetMs = 0;
  /** Added on top of the clock for the seq horizon only (`seq_in_future` tests without breaking signatures). */
  seqOffsetMs = 0;
  minAgentVersion: string | null = null;
  deprecation: Deprecation = { deprecation: null, sunset: null };
  rejectRules: RejectRule[] = [];
  readonly faults = new FaultBook();
  /** The entities of an enrollment key created without a list of its own. */
  readonly defaultEntities: readonly string[];
  readonly #baseNow: () => number;

  constructor(limits: Limits, baseNow: () => number, defaultEntities: readonly string[]) {
    this.limits = limits;
    this.#baseNow = baseNow;
    this.defaultEntities = defaultEntities;
  }

  /** The sandbox's clock in milliseconds since the epoch, offset included. */
  now(): number {
    return this.#baseNow() + this.clockOffsetMs;
  }

  /** The highest seq the cloud takes now: its seq clock plus 24 hours, as unix ms × 1000. */
  maxSeq(): number {
    return (this.now() + this.seqOffsetMs + SEQ_FUTURE_LIMIT_MS) * 1000;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}
