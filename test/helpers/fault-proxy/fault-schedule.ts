import { assertValidFault, noFault } from './fault.ts';
import type { Fault, FaultPlan } from './fault.ts';

/** Which fault the next accepted connection gets: a standing fault (optionally for N connections) or a per-connection plan. */
export class FaultSchedule {
  #fault: Fault = noFault;
  /** Connections left for the standing fault; undefined = until replaced. */
  #remaining: number | undefined;
  #plan: FaultPlan | undefined;
  #planIndex = 0;

  setFault(fault: Fault, times?: number): void {
    assertValidFault(fault);
    if (times !== undefined && (!Number.isSafeInteger(times) || times < 1)) {
      throw new Error(`Fault proxy: times must be a positive integer, got ${times}.`);
    }
    this.#plan = undefined;
    this.#fault = fault;
    this.#remaining = times;
  }

  setPlan(plan: FaultPlan): void {
    this.#plan = plan;
    this.#planIndex = 0;
  }

  clear(): void {
    this.#plan = undefined;
    this.#fault = noFault;
    this.#remaining = undefined;
  }

  next(): Fault {
    if (this.#plan) {
      const fault = this.#plan(this.#planIndex);
      this.#planIndex += 1;
      assertValidFault(fault);
      return fault;
    }
    const fault = this.#fault;
    if (this.#remaining !== undefined) {
      this.#remaining -= 1;
      if (this.#remaining === 0) this.clear();
    }
    return fault;
  }
}
