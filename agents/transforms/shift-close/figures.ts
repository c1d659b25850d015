/**
 * The figures of one closed shift as the checks see them: every amount is the database's own text
 * (exact), read into a canonical decimal once, optionally rounded to the till's decimals. A figure
 * that is not a number is not guessed: it is collected and reported by the `figures_readable` check.
 */
import type { JsonObject } from '../../api/index.ts';
import { parseAmount, roundAmount } from './amounts.ts';

export interface ReceiptFigure {
  id: string;
  /** What the customer paid (gross), as database text. */
  total: string | null;
  /** What the receipt's lines must add up to, when that is not `total` (e.g. net when lines are net). */
  linesTotal?: string | null;
}

export interface LineFigure {
  receipt: string | null;
  total: string | null;
}

export interface PaymentFigure {
  receipt?: string | null;
  tender: string | null;
  amount: string | null;
}

export interface CashFigures {
  /** Cash counted in the drawer at the close. */
  counted: string | null;
  /** Float at the opening, transfers in (added to the cash taken). */
  opening: ReadonlyArray<{ name: string; value: string | null }>;
  /** Expected cash as the POS itself states it; computed from opening + cash tenders when absent. */
  expected?: string | null;
  /** Tender names that are cash (compared case-insensitively), e.g. `["cash"]`. */
  cashTenders: readonly string[];
  /** An over/short within this amount still counts as balanced. */
  tolerance: string;
}

export interface ShiftFigures {
  receipts?: readonly ReceiptFigure[];
  lines?: readonly LineFigure[];
  payments?: readonly PaymentFigure[];
  cash?: CashFigures;
}

export interface FigureOptions {
  /** ISO 4217 code for messages, e.g. `EUR`. */
  currency?: string;
  /** Round every amount half away from zero to this many decimals before adding up. */
  decimals?: number;
}

export type ShiftCheckName = 'figures_readable' | 'lines_vs_receipts' | 'tenders_vs_receipts' | 'cash_count';

/** One check's outcome: words for the bookkeeper, exact figures for the cloud. */
export interface ShiftCheck extends JsonObject {
  name: ShiftCheckName;
  ok: boolean;
  message: string;
  /** Canonical decimals, e.g. `{payments: "1204.10", receipts: "1214.10", difference: "-10.00"}`. */
  figures: Record<string, string>;
}

/** Reads amounts, remembering which ones could not be read (for the `figures_readable` check). */
export class AmountReader {
  readonly unreadable: string[] = [];
  readonly #decimals: number | undefined;

  constructor(options: FigureOptions) {
    this.#decimals = options.decimals;
  }

  /** The amount, or undefined (and a note naming `what`) when the text is not a number. */
  read(text: string | null | undefined, what: string): string | undefined {
    const amount = parseAmount(text);
    if (amount === undefined) {
      this.unreadable.push(`${what} ${text === null || text === undefined ? 'is empty (NULL)' : `"${text}" is not a number`}`);
      return undefined;
    }
    return this.#decimals === undefined ? amount : roundAmount(amount, this.#decimals);
  }
}

/** Figures read once: an amount is a canonical decimal, or undefined when it could not be read. */
export interface ReadFigures {
  receipts: Array<{ id: string; total: string | undefined; linesTotal: string | undefined }>;
  lines: Array<{ receipt: string; total: string | undefined }>;
  payments: Array<{ receipt: string; tender: string; amount: string | undefined }>;
}

export function readFigures(figures: ShiftFigures, reader: AmountReader): ReadFigures {
  const receipts = (figures.receipts ?? []).map((receipt) => {
    const total = reader.read(receipt.total, `receipt ${receipt.id}: total`);
    const linesTotal =
      receipt.linesTotal === undefined ? total : reader.read(receipt.linesTotal, `receipt ${receipt.id}: lines total`);
    return { id: receipt.id, total, linesTotal };
  });
  const lines = (figures.lines ?? []).map((line, i) => ({
    receipt: line.receipt ?? '',
    total: reader.read(line.total, `line ${i + 1} (receipt ${line.receipt ?? 'none'}): total`),
  }));
  const payments = (figures.payments ?? []).map((payment, i) => ({
    receipt: payment.receipt ?? '',
    tender: payment.tender ?? '(no tender)',
    amount: reader.read(payment.amount, `payment ${i + 1} (${payment.tender ?? 'no tender'}): amount`),
  }));
  return { receipts, lines, payments };
}

/** "1 receipt" / "3 receipts". */
export function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
