/**
 * All checks of one closed shift, and the totals the document carries. Pure: figures in (database
 * text), words and exact figures out. A shift is `balanced` only when every check that could run
 * passed; which checks run depends on what the shift's configuration provides (receipts and lines
 * for lines vs receipts, receipts and payments for tenders vs total, a cash count for over/short).
 */
import type { JsonObject } from '../../api/index.ts';
import { sumDecimals } from '../../formats/decimal.ts';
import { checkCashCount } from './cash-count.ts';
import type { FigureOptions, ShiftCheck, ShiftFigures } from './figures.ts';
import { AmountReader, count, readFigures } from './figures.ts';
import { checkLinesAgainstReceipts } from './lines-vs-receipts.ts';
import { checkTendersAgainstReceipts, tenderTotals } from './tenders-vs-receipts.ts';

export interface ShiftCloseCheckResult {
  totals: JsonObject;
  checks: ShiftCheck[];
  balanced: boolean;
}

/** Named amounts that could not be read are listed up to this many. Counts are strings too: the cloud takes no JSON numbers. */
const NAMED_UNREADABLE = 5;

export function checkShiftClose(input: ShiftFigures, options: FigureOptions = {}): ShiftCloseCheckResult {
  const reader = new AmountReader(options);
  const figures = readFigures(input, reader);
  const checks: ShiftCheck[] = [];
  const totals: JsonObject = {};
  if (options.currency !== undefined) totals.currency = options.currency;
  if (input.receipts !== undefined) {
    totals.receiptCount = String(figures.receipts.length);
    totals.receipts = sumDecimals(figures.receipts.flatMap((r) => (r.total === undefined ? [] : [r.total])));
  }
  if (input.lines !== undefined) {
    totals.lineCount = String(figures.lines.length);
    totals.lines = sumDecimals(figures.lines.flatMap((l) => (l.total === undefined ? [] : [l.total])));
  }
  if (input.payments !== undefined) {
    totals.paymentCount = String(figures.payments.length);
    totals.payments = sumDecimals(figures.payments.flatMap((p) => (p.amount === undefined ? [] : [p.amount])));
    totals.tenders = tenderTotals(figures);
  }
  if (input.receipts !== undefined && input.lines !== undefined) checks.push(checkLinesAgainstReceipts(figures, options));
  if (input.receipts !== undefined && input.payments !== undefined) checks.push(checkTendersAgainstReceipts(figures, options));
  if (input.cash !== undefined) {
    const cash = checkCashCount(input.cash, figures, reader, options);
    checks.push(cash.check);
    if (cash.totals !== null) totals.cash = cash.totals;
  }
  if (reader.unreadable.length > 0) {
    const named = reader.unreadable.slice(0, NAMED_UNREADABLE).join('; ');
    const more = reader.unreadable.length > NAMED_UNREADABLE ? `; and ${reader.unreadable.length - NAMED_UNREADABLE} more` : '';
    checks.unshift({
      name: 'figures_readable',
      ok: false,
      message: `${count(reader.unreadable.length, 'amount', 'amounts')} could not be read and ${reader.unreadable.length === 1 ? 'was' : 'were'} left out of the totals: ${named}${more}.`,
      figures: {},
    });
  }
  return { totals, checks, balanced: checks.every((check) => check.ok) };
}
