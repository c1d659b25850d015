/**
 * Tenders vs total: what was paid (all tenders together) must equal what was sold (the receipts'
 * totals). A payment missing from the database shows up here as money missing.
 */
import { compareDecimals, subtractDecimals, sumDecimals } from '../../formats/decimal.ts';
import { formatMoney } from './amounts.ts';
import type { FigureOptions, ReadFigures, ShiftCheck } from './figures.ts';
import { describeDifference } from './lines-vs-receipts.ts';

export function checkTendersAgainstReceipts(figures: ReadFigures, options: FigureOptions): ShiftCheck {
  const money = (value: string) => formatMoney(value, options.currency);
  const payments = sumDecimals(figures.payments.flatMap((payment) => (payment.amount === undefined ? [] : [payment.amount])));
  const receipts = sumDecimals(figures.receipts.flatMap((receipt) => (receipt.total === undefined ? [] : [receipt.total])));
  const difference = subtractDecimals(payments, receipts);
  const stated = `payments ${money(payments)}, receipts ${money(receipts)}`;
  if (compareDecimals(difference, '0') === 0) {
    return { name: 'tenders_vs_receipts', ok: true, message: `Payments ${money(payments)} = receipts ${money(receipts)}.`, figures: { payments, receipts, difference } };
  }
  return {
    name: 'tenders_vs_receipts',
    ok: false,
    message: `${capitalizeFirst(stated)}: ${describeDifference(difference, money)}.`,
    figures: { payments, receipts, difference },
  };
}

/** Sum per tender name, keys sorted so the document's content (and version) is stable. */
export function tenderTotals(figures: ReadFigures): Record<string, string> {
  const byTender = new Map<string, string[]>();
  for (const payment of figures.payments) {
    if (payment.amount === undefined) continue;
    const list = byTender.get(payment.tender) ?? [];
    list.push(payment.amount);
    byTender.set(payment.tender, list);
  }
  return Object.fromEntries([...byTender].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([tender, amounts]) => [tender, sumDecimals(amounts)]));
}

function capitalizeFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
