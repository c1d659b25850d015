import { addScaled, fromScaled, toScaled, type ScaledDecimal } from './decimal.ts';

interface CurrencySum {
  count: number;
  /** Exact sum of what was flushed out of `units`. */
  sum: ScaledDecimal;
  /** Sum of the amounts not yet flushed, as integer units at `scale`: exact while below 2^53. */
  units: number;
  scale: number;
}

const SAFE = 2 ** 52;
const SMALL_AMOUNT = /^-?(\d{1,11})(?:\.(\d{1,4}))?$/
const POWERS = [1, 10, 100, 1000, 10000];

/**
 * What the balance check needs to know about a statement's entries, summed as they go past: the
 * count, and per currency the count and the exact sum. Lets a streamed statement be checked without
 * keeping its entries (memory does not grow with the entry count).
 *
 * Ordinary amounts (up to 11 integer and 4 decimal digits) are added as integer units in a double,
 * which is exact below 2^53 and flushed into a bigint sum long before; anything else goes straight
 * to the bigint sum. Money never becomes a fraction in a float.
 */
export class EntryTotals {
  count = 0;
  private readonly sums = new Map<string, CurrencySum>();

  add(amount: string, currency: string): void {
    this.count += 1;
    let slot = this.sums.get(currency);
    if (slot === undefined) {
      slot = { count: 0, sum: { units: 0n, scale: 0 }, units: 0, scale: 0 };
      this.sums.set(currency, slot);
    }
    slot.count += 1;
    const m = SMALL_AMOUNT.exec(amount);
    if (m === null) {
      slot.sum = addScaled(slot.sum, toScaled(amount));
      return;
    }
    const fraction = m[2] ?? '';
    const scale = fraction.length;
    if (scale > slot.scale) {
      flush(slot);
      slot.scale = scale;
    }
    const magnitude = Number(m[1]) * (POWERS[slot.scale] ?? 1) + Number(fraction) * (POWERS[slot.scale - scale] ?? 1);
    slot.units += amount.startsWith('-') ? -magnitude : magnitude;
    if (Math.abs(slot.units) >= SAFE) flush(slot);
  }

  /** Currencies in the order they first appeared, with their entry counts. */
  currencies(): Array<{ currency: string; count: number }> {
    return [...this.sums].map(([currency, slot]) => ({ currency, count: slot.count }));
  }

  /** The exact sum of every entry (all currencies together, as checkBalance adds them). */
  movement(): string {
    let total: ScaledDecimal = { units: 0n, scale: 0 };
    for (const slot of this.sums.values()) {
      flush(slot);
      total = addScaled(total, slot.sum);
    }
    return fromScaled(total);
  }

  static of(entries: Iterable<{ amount: string; currency: string }>): EntryTotals {
    const totals = new EntryTotals();
    for (const entry of entries) totals.add(entry.amount, entry.currency);
    return totals;
  }
}

/** Moves the double's units into the bigint sum (keeping the scale, which the result shows). */
function flush(slot: CurrencySum): void {
  slot.sum = addScaled(slot.sum, { units: BigInt(slot.units), scale: slot.scale });
  slot.units = 0;
}
