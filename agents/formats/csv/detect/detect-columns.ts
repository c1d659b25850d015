import { looksLikeDate } from './detect-dates.ts';
import { AMOUNT_SHAPE } from './detect-numbers.ts';
import { matchHeader, type HeaderField } from './header-words.ts';

/** What the detector decided a column is, and why. */
export interface ColumnChoice {
  field: Exclude<HeaderField, 'iban'>;
  index: number;
  header: string;
  reason: string;
}

export interface ColumnLayout {
  choices: ColumnChoice[];
  /** A currency named in a header (`Bedrag (EUR)`, `Saldo CHF`). */
  headerCurrency?: { currency: string; header: string };
  /** The values an indicator column uses for each side. */
  indicator?: { debit: string[]; credit: string[] };
  /** Header cells the detector left alone. */
  unused: string[];
}

const DEBIT_TOKENS = new Set(['d', 'dr', 'debit', 'debet', 's', 'soll', 'af', 'debetas', 'deb', '-', 'w', 'o']);
const CREDIT_TOKENS = new Set(['c', 'cr', 'credit', 'kredit', 'h', 'haben', 'bij', 'k', 'kreditas', 'kred', '+', 'u']);
const CURRENCY = /^[A-Z]{3}$/;

/** A header row is one naming a date and an amount (or debit and credit) in a language the dictionary knows. */
export function headerScore(cells: readonly string[]): number {
  let date = false;
  let money = false;
  let known = 0;
  for (const cell of cells) {
    const match = matchHeader(cell);
    if (match === undefined || cell.length > 60) continue;
    known += 1;
    if (match.fields.includes('bookingDate') || match.fields.includes('valueDate')) date = true;
    if (match.fields.some((f) => f === 'amount' || f === 'debit' || f === 'credit')) money = true;
  }
  return date && money ? known : 0;
}

/**
 * Maps header cells to fields: the dictionary proposes, the data decides (a "Valuta" column of
 * dates is a value date, of `EUR` a currency; an "IBAN" column with one value throughout is the
 * account, with many the counterparty's). The first column that fits a field takes it.
 */
export function detectColumns(header: readonly string[], rows: ReadonlyArray<readonly string[]>): ColumnLayout {
  const layout: ColumnLayout = { choices: [], unused: [] };
  const taken = new Set<string>();
  const values = (i: number) => rows.map((r) => (r[i] ?? '').trim()).filter((v) => v !== '');
  const share = (list: string[], test: (v: string) => boolean) => (list.length === 0 ? 0 : list.filter(test).length / list.length);
  const take = (field: ColumnChoice['field'], index: number, reason: string) => {
    const single = field !== 'remittance';
    if (single && taken.has(field)) return false;
    taken.add(field);
    layout.choices.push({ field, index, header: header[index] ?? '', reason });
    return true;
  };
  const currencies: Array<{ index: number; reason: string }> = [];
  for (const [index, cell] of header.entries()) {
    const match = matchHeader(cell);
    const list = values(index);
    if (match === undefined) {
      const indicator = indicatorSides(list, true);
      if (indicator !== undefined && !taken.has('creditDebit') && list.length > 0) {
        layout.indicator = indicator;
        take('creditDebit', index, `no known header, but every value is one of ${[...indicator.debit, ...indicator.credit].join('/')}`);
      } else if (cell.trim() !== '') layout.unused.push(cell);
      continue;
    }
    const dates = share(list, looksLikeDate);
    const numbers = share(list, (v) => AMOUNT_SHAPE.test(v) && !looksLikeDate(v));
    const codes = share(list, (v) => CURRENCY.test(v));
    let chosen = false;
    for (const field of match.fields) {
      const known = `header "${cell}" (${match.how === 'exact' ? 'a known name' : `starts with "${match.phrase}"`})`;
      if (field === 'bookingDate' || field === 'valueDate') {
        if (dates >= 0.9) chosen = take(field, index, `${known}; its cells are dates`);
      } else if (field === 'amount' || field === 'debit' || field === 'credit' || field === 'balance') {
        if (list.length === 0 ? field === 'debit' || field === 'credit' : numbers >= 0.9) chosen = take(field, index, `${known}; its cells are numbers`);
      } else if (field === 'currency') {
        // Chosen after the loop: a header may name the currency twice (one for the balance, one for the amount).
        if (list.length > 0 && codes >= 0.9) {
          currencies.push({ index, reason: `${known}; its cells are currency codes` });
          chosen = true;
        }
      } else if (field === 'creditDebit') {
        const indicator = completeFromHeader(indicatorSides(list, false), cell);
        if (indicator !== undefined) {
          layout.indicator = indicator;
          chosen = take(field, index, `${known}; its cells say ${[...indicator.debit, ...indicator.credit].join('/')}`);
        }
      } else if (field === 'iban') {
        const same = list.length > 0 && list.every((v) => v === list[0]);
        chosen = take(same ? 'account' : 'counterpartyAccount', index, `${known}; ${same ? 'one value throughout: the account itself' : 'values differ: the other party\'s account'}`);
      } else if (list.length > 0 && dates < 0.5 && (field !== 'counterparty' || numbers < 0.5)) {
        // A text column empty throughout the head is no evidence: a later column may fit better.
        chosen = take(field, index, known);
      }
      if (chosen) break;
    }
    if (chosen && match.currency !== undefined && layout.headerCurrency === undefined && match.fields.some((f) => f === 'amount' || f === 'balance' || f === 'debit' || f === 'credit')) {
      layout.headerCurrency = { currency: match.currency, header: cell };
    }
    if (!chosen) layout.unused.push(cell);
  }
  if (currencies.length > 0) {
    const amountAt = layout.choices.find((c) => c.field === 'amount')?.index ?? -1;
    const currency = currencies.find((c) => c.index > amountAt) ?? currencies[0];
    if (currency !== undefined) take('currency', currency.index, currencies.length > 1 ? `${currency.reason}; of ${currencies.length} currency columns, the one after the amount` : currency.reason);
    for (const c of currencies) if (c !== currency) layout.unused.push(header[c.index] ?? '');
  }
  layout.choices.sort((a, b) => a.index - b.index);
  return layout;
}

/** Which values of an indicator column mean debit and which credit, or undefined when they do not all say one of the two. */
function indicatorSides(list: readonly string[], bothSides: boolean): { debit: string[]; credit: string[] } | undefined {
  if (list.length === 0) return undefined;
  const debit: string[] = [];
  const credit: string[] = [];
  for (const value of list) {
    const folded = value.toLowerCase();
    if (DEBIT_TOKENS.has(folded)) {
      if (!debit.includes(value)) debit.push(value);
    } else if (CREDIT_TOKENS.has(folded)) {
      if (!credit.includes(value)) credit.push(value);
    } else return undefined;
  }
  // Without a header saying so, one side only could be any one-letter column (a "type" of W or U).
  return (bothSides ? debit.length > 0 && credit.length > 0 : debit.length + credit.length > 0) ? { debit, credit } : undefined;
}

/**
 * A head with debits only still names both sides when the header does ("D/K", "Af Bij", "S/H"): the
 * missing side is taken from the header, so the first credit further down is not refused.
 */
function completeFromHeader(sides: { debit: string[]; credit: string[] } | undefined, header: string): { debit: string[]; credit: string[] } | undefined {
  if (sides === undefined || (sides.debit.length > 0 && sides.credit.length > 0)) return sides;
  const words = header.split(/[^\p{L}+-]+/u).filter((w) => w !== '');
  const debit = words.filter((w) => DEBIT_TOKENS.has(w.toLowerCase()));
  const credit = words.filter((w) => CREDIT_TOKENS.has(w.toLowerCase()));
  if (debit.length !== 1 || credit.length !== 1) return sides;
  return { debit: sides.debit.length > 0 ? sides.debit : debit, credit: sides.credit.length > 0 ? sides.credit : credit };
}
