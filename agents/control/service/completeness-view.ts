/**
 * The Completeness screen's rows (issue 11), from the outbox's day totals: what still waits is what
 * was read minus what the cloud took and what it refused, for the records and, exactly, their money.
 */
import type { CompletenessFigure, CompletenessRow } from '../../api/index.ts';
import { subtractDecimals } from '../../formats/decimal.ts';
import type { DayFigure, DayTotal } from '../../outbox/index.ts';

export function completenessRows(totals: readonly DayTotal[]): CompletenessRow[] {
  return totals.map((total) => ({
    day: total.day,
    source: total.source,
    stream: total.stream,
    currency: total.currency,
    read: total.read,
    waiting: waiting(total.read, total.delivered, total.failed),
    delivered: total.delivered,
    refused: total.failed,
  }));
}

function waiting(read: DayFigure, delivered: DayFigure, refused: DayFigure): CompletenessFigure {
  let amount = read.amount;
  if (amount !== null) {
    if (delivered.amount !== null) amount = subtractDecimals(amount, delivered.amount);
    if (refused.amount !== null) amount = subtractDecimals(amount, refused.amount);
  }
  return { records: read.records - delivered.records - refused.records, amount };
}

/** The first day of a window of `days` days ending today (UTC calendar; a day either side is harmless). */
export function firstDayOfWindow(nowMs: number, days: number): string {
  return new Date(nowMs - (days - 1) * 86_400_000 - 86_400_000).toISOString().slice(0, 10);
}
