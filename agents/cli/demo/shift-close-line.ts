/**
 * The demo's line for a closed shift. A shift whose counted cash differs from what the till
 * expected is the thing a bookkeeper looks for first, so the line says short or over, and by how
 * much, instead of only "shift closed".
 */
export interface ShiftClosedEvent {
  register: unknown;
  zNumber: unknown;
  /** Decimal strings, e.g. "315.60"; absent from tills that do not count cash. */
  expectedCash?: unknown;
  countedCash?: unknown;
}

export function shiftCloseLine(event: ShiftClosedEvent): string {
  const z = `Z-${String(event.zNumber).padStart(5, '0')}`;
  const head = `Till ${String(event.register)}: shift closed, ${z}`;
  const cash = cashDifference(event.expectedCash, event.countedCash);
  const verdict =
    cash === null
      ? ''
      : cash.cents === 0n
        ? `, cash balanced at ${cash.counted}`
        : `, ${formatCents(cash.cents < 0n ? -cash.cents : cash.cents)} ${cash.cents < 0n ? 'SHORT' : 'OVER'} ` +
          `(counted ${cash.counted}, expected ${cash.expected})`;
  return `${head}${verdict} (goes in the urgent lane)`;
}

/** counted − expected in cents, exact (decimal strings, never floats). */
function cashDifference(expected: unknown, counted: unknown): { cents: bigint; expected: string; counted: string } | null {
  if (typeof expected !== 'string' || typeof counted !== 'string') return null;
  const e = toCents(expected);
  const c = toCents(counted);
  return e === null || c === null ? null : { cents: c - e, expected, counted };
}

function toCents(text: string): bigint | null {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (match === null) return null;
  const cents = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '0').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

function formatCents(cents: bigint): string {
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}
