/**
 * Lines vs receipts: the lines of each receipt must add up to that receipt's total (or to its
 * `linesTotal`, e.g. the net amount when lines are net). A receipt without lines adds up to zero; a
 * line whose receipt is not in the shift is reported on its own.
 */
import { compareDecimals, subtractDecimals, sumDecimals } from '../../formats/decimal.ts';
import { formatMoney } from './amounts.ts';
import type { FigureOptions, ReadFigures, ShiftCheck } from './figures.ts';
import { count } from './figures.ts';

/** At most this many mismatching receipts are named in the message; the count says how many in all. */
const NAMED_MISMATCHES = 5;

export function checkLinesAgainstReceipts(figures: ReadFigures, options: FigureOptions): ShiftCheck {
  const money = (value: string) => formatMoney(value, options.currency);
  const receiptIds = new Set(figures.receipts.map((receipt) => receipt.id));
  const lineSums = new Map<string, string[]>();
  const orphanSums = new Map<string, string[]>();
  for (const line of figures.lines) {
    if (line.total === undefined) continue;
    const target = receiptIds.has(line.receipt) ? lineSums : orphanSums;
    const list = target.get(line.receipt) ?? [];
    list.push(line.total);
    target.set(line.receipt, list);
  }

  const mismatches: string[] = [];
  const stated: string[] = [];
  for (const receipt of figures.receipts) {
    if (receipt.linesTotal === undefined) continue;
    stated.push(receipt.linesTotal);
    const sum = sumDecimals(lineSums.get(receipt.id) ?? []);
    if (compareDecimals(sum, receipt.linesTotal) === 0) continue;
    const difference = subtractDecimals(sum, receipt.linesTotal);
    mismatches.push(`receipt ${receipt.id}: lines ${money(sum)}, receipt ${money(receipt.linesTotal)} (${describeDifference(difference, money)})`);
  }
  const orphans = [...orphanSums].map(
    ([receipt, amounts]) =>
      `lines of ${receipt === '' ? 'no receipt' : `receipt ${receipt}`}, which is not in this shift (${money(sumDecimals(amounts))})`,
  );

  const linesTotal = sumDecimals([...lineSums.values()].flat());
  const receiptsTotal = sumDecimals(stated);
  const figuresOut = { lines: linesTotal, receipts: receiptsTotal, difference: subtractDecimals(linesTotal, receiptsTotal) };
  if (mismatches.length === 0 && orphans.length === 0) {
    const which = figures.receipts.length === 1 ? 'the receipt add' : `all ${count(figures.receipts.length, 'receipt', 'receipts')} add`;
    return {
      name: 'lines_vs_receipts',
      ok: true,
      message: `The lines of ${which} up to their totals (${money(receiptsTotal)}).`,
      figures: figuresOut,
    };
  }
  const problems: string[] = [];
  if (mismatches.length > 0) {
    const named = mismatches.slice(0, NAMED_MISMATCHES).join('; ');
    const more = mismatches.length > NAMED_MISMATCHES ? `; and ${(mismatches.length - NAMED_MISMATCHES).toLocaleString('en-US')} more` : '';
    problems.push(
      `${count(mismatches.length, 'receipt does', 'receipts do')} not match ${mismatches.length === 1 ? 'its' : 'their'} lines: ${named}${more}`,
    );
  }
  problems.push(...orphans);
  return { name: 'lines_vs_receipts', ok: false, message: `${capitalize(problems.join('. '))}.`, figures: figuresOut };
}

/** `-10.00` → "10.00 EUR missing", `2.00` → "2.00 EUR too much". */
export function describeDifference(difference: string, money: (value: string) => string): string {
  return difference.startsWith('-') ? `${money(difference.slice(1))} missing` : `${money(difference)} too much`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
