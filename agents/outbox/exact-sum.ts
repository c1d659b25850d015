/**
 * Adds decimal strings exactly and cheaply, for the day totals taken in every enqueue. Each amount
 * is read as a whole number of its smallest unit ("12.50" → 1250 hundredths). Whole numbers below
 * 2^53 are exact in a double, so those of up to 15 digits are added as numbers and handed to a
 * bigint before the running sum could leave that range; longer ones go to the bigint directly. No
 * fraction is ever represented in floating point (DESIGN.md §4.4), and most amounts skip the
 * bigint conversion that dominated the cost of summing per record.
 */
import { addScaled, fromScaled, type ScaledDecimal } from '../formats/decimal.ts';

/** Below this the running number sum plus one more 15-digit amount stays under 2^53. */
const FLUSH_AT = 2 ** 53 - 10 ** 15;

interface Bucket {
  small: number;
  big: bigint;
}

export class ExactSum {
  /** One running sum per scale (digits after the point). */
  readonly #byScale = new Map<number, Bucket>();
  #empty = true;

  /** `amount` must be a canonical decimal (`-?\d+(\.\d+)?`). */
  add(amount: string): void {
    this.#empty = false;
    const negative = amount.charCodeAt(0) === 45; // '-'
    const body = negative ? amount.slice(1) : amount;
    const point = body.indexOf('.');
    const scale = point < 0 ? 0 : body.length - point - 1;
    const digits = point < 0 ? body : body.slice(0, point) + body.slice(point + 1);
    let bucket = this.#byScale.get(scale);
    if (bucket === undefined) {
      bucket = { small: 0, big: 0n };
      this.#byScale.set(scale, bucket);
    }
    if (digits.length <= 15) {
      const units = Number(digits);
      bucket.small += negative ? -units : units;
      if (bucket.small > FLUSH_AT || bucket.small < -FLUSH_AT) {
        bucket.big += BigInt(bucket.small);
        bucket.small = 0;
      }
    } else {
      const units = BigInt(digits);
      bucket.big += negative ? -units : units;
    }
  }

  /** Null when nothing was added. */
  get value(): ScaledDecimal | null {
    if (this.#empty) return null;
    let total: ScaledDecimal = { units: 0n, scale: 0 };
    for (const [scale, bucket] of this.#byScale) total = addScaled(total, { units: bucket.big + BigInt(bucket.small), scale });
    return total;
  }

  toString(): string | null {
    const value = this.value;
    return value === null ? null : fromScaled(value);
  }
}
