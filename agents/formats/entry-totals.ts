import { addScaled, fromScaled, toScaled, type ScaledDecimal } from './decimal.ts';

/**
 * What the balance check needs to know about a statement's entries, summed as they go past: the
 * count, and per currency the count and the exact sum. Lets a streamed statement be checked without
 * keeping its entries (memory does not grow with the entry count).
 */
export class EntryTotals {
  count = 0;
  private readonly sums = new Map<string, { count: number; sum: ScaledDecimal }>();

  add(amount: string, currency: string): void {
    this.count += 1;
    const slot = this.sums.get(currency);
    if (slot === undefined) this.sums.set(currency, { count: 1, sum: toScaled(amount) });
    else {
      slot.count += 1;
      slot.sum = addScaled(slot.sum, toScaled(amount));
    }
  }

  /** Currencies in the order they first appeared, with their entry counts. */
  currencies(): Array<{ currency: string; count: number }> {
    return [...this.sums].map(([currency, slot]) => ({ currency, count: slot.count }));
  }

  /** The exact sum of every entry (all currencies together, as checkBalance adds them). */
  movement(): string {
    let total: ScaledDecimal = { units: 0n, scale: 0 };
    for (const slot of this.sums.values()) total = addScaled(total, slot.sum);
    return fromScaled(total);
  }

  static of(entries: Iterable<{ amount: string; currency: string }>): EntryTotals {
    const totals = new EntryTotals();
    for (const entry of entries) totals.add(entry.amount, entry.currency);
    return totals;
  }
}
