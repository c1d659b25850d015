/**
 * Counted vs expected cash: the drawer count at the close minus what should be in it gives the
 * over/short, with its sign (positive: more cash than expected, "over"; negative: "short"). The
 * expected amount is what the POS states, or the opening float and transfers plus cash tenders.
 */
import { absDecimal, compareDecimals, subtractDecimals, sumDecimals } from '../../formats/decimal.ts';
import { formatMoney } from './amounts.ts';
import type { AmountReader, CashFigures, FigureOptions, ReadFigures, ShiftCheck } from './figures.ts';

export interface CashResult {
  check: ShiftCheck;
  /** Exact figures for the document's totals, or null when they could not be read. */
  totals: Record<string, string> | null;
}

export function checkCashCount(cash: CashFigures, figures: ReadFigures, reader: AmountReader, options: FigureOptions): CashResult {
  const money = (value: string) => formatMoney(value, options.currency);
  const counted = reader.read(cash.counted, 'counted cash');
  const totals: Record<string, string> = {};
  let expected: string | undefined;
  if (cash.expected !== undefined) {
    expected = reader.read(cash.expected, 'expected cash');
  } else {
    const cashNames = new Set(cash.cashTenders.map((name) => name.toLowerCase()));
    const cashPayments = sumDecimals(
      figures.payments.flatMap((p) => (p.amount !== undefined && cashNames.has(p.tender.toLowerCase()) ? [p.amount] : [])),
    );
    const opening = cash.opening.map((part) => reader.read(part.value, part.name));
    totals.cashPayments = cashPayments;
    if (opening.every((value) => value !== undefined)) {
      totals.opening = sumDecimals(opening);
      expected = sumDecimals([totals.opening, cashPayments]);
    }
  }
  if (counted === undefined || expected === undefined) {
    return {
      check: { name: 'cash_count', ok: false, message: 'The cash count could not be checked: its figures could not be read.', figures: totals },
      totals: null,
    };
  }
  const overShort = subtractDecimals(counted, expected);
  Object.assign(totals, { expected, counted, overShort });
  const within = compareDecimals(absDecimal(overShort), cash.tolerance) <= 0;
  const stated = `Cash counted ${money(counted)}, expected ${money(expected)}`;
  const sign = compareDecimals(overShort, '0');
  const message =
    sign === 0
      ? `Cash counted ${money(counted)} = expected ${money(expected)}.`
      : `${stated}: ${money(absDecimal(overShort))} ${sign > 0 ? 'over' : 'short'}${within ? ` (within the tolerance of ${money(cash.tolerance)})` : ''}.`;
  return { check: { name: 'cash_count', ok: within, message, figures: { counted, expected, overShort } }, totals };
}
