import type { Deprecation, Limits, RejectRule } from './admin-schemas.ts';
import { FaultBook } from './fault-book.ts';

/**
 * The knobs tests turn at runtime through `/admin`: they live in memory, so a restarted sandbox
 * starts from its options again while its data (SQLite) survives.
 */
export class SandboxState {
  limits: Limits;
  /** Added to the real clock, for clock-skew and token-expiry tests. */
  clockOffsetMs = 0;
  minAgentVersion: string | null = null;
  deprecation: Deprecation = { deprecation: null, sunset: null };
  rejectRules: RejectRule[] = [];
  readonly faults = new FaultBook();
  readonly #baseNow: () => number;

  constructor(limits: Limits, baseNow: () => number) {
    this.limits = limits;
    this.#baseNow = baseNow;
  }

  /** The sandbox's clock in milliseconds since the epoch, offset included. */
  now(): number {
    return this.#baseNow() + this.clockOffsetMs;
  }

  nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}
