/**
 * What the fault proxy does to one TCP connection. A fault is chosen when the connection is accepted and never changes
 * while that connection lives, so a scenario can switch faults without disturbing connections already in flight.
 *
 * "Up" is client → server (the request), "down" is server → client (the response).
 */
export type Fault =
  /** Forward everything untouched. */
  | { type: 'none' }
  /**
   * Hold every chunk, in BOTH directions, `ms` plus up to `jitterMs` (seeded) after it arrives; order is kept, so a chunk
   * never overtakes an earlier one. A request/response round trip therefore gains at least `2 × ms`.
   * The proxy holds at most ~256 KB in flight per direction (like a TCP window), so a large body also slows to about
   * 256 KB per `ms`.
   */
  | { type: 'latency'; ms: number; jitterMs?: number }
  /** Accept the connection, never connect to the server, never answer, never close. */
  | { type: 'hang' }
  /** Accept the connection, read and discard everything the client sends, never answer, never close. */
  | { type: 'blackhole' }
  /**
   * Reset the connection as soon as it is accepted (RST). The kernel completes the TCP handshake before the proxy sees the
   * connection, so a client sees ECONNRESET (not ECONNREFUSED) on its first read or write. The listener stays open, so
   * other connections are unaffected.
   */
  | { type: 'refuse' }
  /** Forward `afterBytes` of the request, then reset both sockets: the server sees an aborted request. */
  | { type: 'reset-request'; afterBytes: number }
  /** Forward `afterBytes` of the response, then reset both sockets: the server has processed the request. */
  | { type: 'reset-response'; afterBytes: number }
  /** Forward `afterBytes` of the response, then end the client side cleanly with FIN (no RST). */
  | { type: 'truncate-response'; afterBytes: number }
  /** Limit each direction to `bytesPerSec` independently. */
  | { type: 'throttle'; bytesPerSec: number };

/**
 * Chooses the fault for each new connection. `connectionIndex` counts connections accepted since the plan was installed,
 * from 0, so "the first connection resets, the second passes" is `(i) => (i === 0 ? reset : none)`.
 */
export type FaultPlan = (connectionIndex: number) => Fault;

export const noFault: Fault = { type: 'none' };

/** A fault with impossible numbers is a bug in the test that wrote it: fail loudly instead of shaping nothing. */
export function assertValidFault(fault: Fault): void {
  const bad = (field: string, value: unknown): never => {
    throw new Error(`Fault proxy: ${fault.type}.${field} must be a non-negative finite number, got ${String(value)}.`);
  };
  const check = (field: string, value: number | undefined, positive = false): void => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) bad(field, value);
  };
  switch (fault.type) {
    case 'none':
    case 'hang':
    case 'blackhole':
    case 'refuse':
      return;
    case 'latency':
      check('ms', fault.ms);
      check('jitterMs', fault.jitterMs);
      return;
    case 'reset-request':
    case 'reset-response':
    case 'truncate-response':
      if (!Number.isSafeInteger(fault.afterBytes)) bad('afterBytes', fault.afterBytes);
      check('afterBytes', fault.afterBytes);
      return;
    case 'throttle':
      check('bytesPerSec', fault.bytesPerSec, true);
      return;
    default:
      return assertNever(fault);
  }
}

function assertNever(value: never): never {
  throw new Error(`Fault proxy: unknown fault ${JSON.stringify(value)}.`);
}
