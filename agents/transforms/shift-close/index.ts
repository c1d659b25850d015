export { formatMoney, parseAmount, roundAmount } from './amounts.ts';
export { checkCashCount } from './cash-count.ts';
export type { CashResult } from './cash-count.ts';
export { checkShiftClose } from './check-shift-close.ts';
export type { ShiftCloseCheckResult } from './check-shift-close.ts';
export { AmountReader, readFigures } from './figures.ts';
export type {
  CashFigures,
  FigureOptions,
  LineFigure,
  PaymentFigure,
  ReadFigures,
  ReceiptFigure,
  ShiftCheck,
  ShiftCheckName,
  ShiftFigures,
} from './figures.ts';
export { checkLinesAgainstReceipts, describeDifference } from './lines-vs-receipts.ts';
export { checkTendersAgainstReceipts, tenderTotals } from './tenders-vs-receipts.ts';
export { describeZGap, findZGap, laterZ } from './z-sequence.ts';
export type { ZGap } from './z-sequence.ts';
