/**
 * Which business day a record belongs to and which money it carries, for the Completeness screen
 * (issue 11). Decided once, when the record is captured, and stored beside it, so the day it was
 * counted as read is the day it is counted as delivered, whatever the clock says by then.
 *
 * - Day: the record's own business day when it carries one (`businessDay` of a shift close,
 *   `bookingDate` of a bank entry), otherwise the day it was captured in the source's IANA zone.
 * - Money: the record's `amount` field when it is an exact decimal string (bank entries, POS/ERP
 *   rows), otherwise its `total` (a shift close's or a receipt's); a JS number is never money
 *   (DESIGN.md §4.4) and is not counted. `currency` keeps totals of different currencies apart.
 */
import type { JsonObject } from '../api/index.ts';
import { isCanonicalDecimal } from '../formats/decimal.ts';

export interface RecordTally {
  day: string;
  /** ISO 4217 code, or '' when the record names none. */
  currency: string;
  /** Exact decimal string, or null when the record carries no money. */
  amount: string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_FIELDS = ['businessDay', 'bookingDate'] as const;
const MONEY_FIELDS = ['amount', 'total'] as const;

/**
 * Zone offsets and their changes (DST, midnight) fall on quarter hours of UTC in every zone since the
 * early 20th century, so within one such quarter the calendar day can change at most at its start.
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;

/**
 * Turns instants into the calendar day of one zone. `Intl` costs about a microsecond a call, and
 * every record of a page may carry its own capturedAt, so the answer is remembered per quarter hour
 * of UTC, and only for a quarter whose first and last millisecond fall on the same day there (a
 * quarter that holds a day change, e.g. a historic offset that is no multiple of 15 minutes, is
 * asked record by record).
 */
export class DayOfZone {
  readonly #format: Intl.DateTimeFormat;
  #quarter = Number.NaN;
  #quarterDay: string | null = null;

  constructor(timeZone: string) {
    // en-CA formats as YYYY-MM-DD.
    this.#format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  dayOf(instantMs: number): string {
    const quarter = Math.floor(instantMs / QUARTER_HOUR_MS);
    if (quarter !== this.#quarter) {
      this.#quarter = quarter;
      const first = this.#format.format(quarter * QUARTER_HOUR_MS);
      const last = this.#format.format((quarter + 1) * QUARTER_HOUR_MS - 1);
      this.#quarterDay = first === last ? first : null;
    }
    return this.#quarterDay ?? this.#format.format(instantMs);
  }
}

const zones = new Map<string, DayOfZone>();

export function dayOfZone(timeZone: string): DayOfZone {
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    zone = new DayOfZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

export function tallyOf(data: JsonObject | undefined, capturedMs: number, zone: DayOfZone): RecordTally {
  let day: string | undefined;
  let currency = '';
  let amount: string | null = null;
  if (data !== undefined) {
    for (const field of DAY_FIELDS) {
      const value = data[field];
      if (typeof value === 'string' && DATE.test(value)) {
        day = value;
        break;
      }
    }
    for (const field of MONEY_FIELDS) {
      const money = data[field];
      if (typeof money === 'string' && isCanonicalDecimal(money)) {
        amount = money;
        break;
      }
    }
    const code = data.currency;
    if (typeof code === 'string' && /^[A-Za-z]{3}$/.test(code)) currency = code.toUpperCase();
  }
  return { day: day ?? zone.dayOf(capturedMs), currency, amount };
}
