import type { Fault } from './admin-schemas.ts';

export interface ArmedFault extends Fault {
  id: string;
  /** Matching requests this fault still affects. */
  remaining: number;
}

/** Faults tests inject into the cloud API; the first armed fault whose method and path prefix match is used. */
export class FaultBook {
  readonly #faults: ArmedFault[] = [];
  #nextId = 1;

  add(fault: Fault): ArmedFault {
    const armed: ArmedFault = { ...fault, id: `fault_${this.#nextId++}`, remaining: fault.times };
    this.#faults.push(armed);
    return armed;
  }

  /** The fault for this request, using up one of its `times`; undefined when none matches. */
  take(method: string, path: string): ArmedFault | undefined {
    const index = this.#faults.findIndex(
      (f) => (f.method === undefined || f.method === method) && path.startsWith(f.pathPrefix),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return { ...fault };
  }

  clear(): void {
    this.#faults.length = 0;
  }

  list(): ArmedFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }
}
