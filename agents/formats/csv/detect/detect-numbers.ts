/** How amounts are written, read from the cells of the amount, debit, credit and balance columns. */
export type DecimalSeparator = '.' | ',';
export type ThousandsSeparator = '' | '.' | ',' | "'" | ' ';

export interface NumberReading {
  decimalSeparator: DecimalSeparator;
  thousandsSeparator: ThousandsSeparator;
}

export interface NumberStyleGuess {
  /** The readings the cells allow; one when settled. */
  readings: NumberReading[];
  /** Why, in words, with an example cell. */
  reason: string;
}

/** A cell that looks like an amount: digits with separators, a sign before or after, or parentheses. */
export const AMOUNT_SHAPE = /^[+-]?\(?[+-]?\d[\d.,' ]*\)?-?$/;

/**
 * The decimal separator is the separator followed by one, two (or four+) digits at the end of a cell,
 * or the last of two different separators; a separator that repeats, or an apostrophe or space,
 * groups thousands. A lone separator followed by exactly three digits (`1.250`) proves nothing
 * alone: it is a thousands separator in one reading and a decimal point in the other.
 */
export function detectNumberStyle(cells: readonly string[], hint?: DecimalSeparator): NumberStyleGuess {
  const evidence: Partial<Record<DecimalSeparator, string>> = {};
  const grouping: Partial<Record<string, string>> = {};
  let threeDigitCell: string | undefined;
  for (const raw of cells) {
    const cell = raw.trim().replace(/^\(|\)$/g, '').replace(/^[+-]|-$/g, '');
    if (!AMOUNT_SHAPE.test(raw.trim()) || !/\d/.test(cell)) continue;
    const seps = cell.replace(/\d/g, '');
    if (seps === '') continue;
    const last = seps[seps.length - 1] ?? '';
    const distinct = new Set(seps);
    if (last === "'" || last === ' ') {
      grouping[last] ??= raw;
      continue;
    }
    const tail = cell.slice(cell.lastIndexOf(last) + 1);
    if (distinct.size > 1) {
      evidence[last as DecimalSeparator] ??= raw;
      for (const s of distinct) if (s !== last) grouping[s] ??= raw;
    } else if (seps.length > 1) {
      grouping[last] ??= raw;
    } else if (tail.length === 3 && cell.indexOf(last) <= 3 && !cell.startsWith('0')) {
      threeDigitCell ??= raw;
    } else {
      evidence[last as DecimalSeparator] ??= raw;
    }
  }
  const decimals = (Object.keys(evidence) as DecimalSeparator[]).filter((d) => grouping[d] === undefined);
  const thousandsFor = (d: DecimalSeparator): ThousandsSeparator => {
    const other = d === '.' ? ',' : '.';
    if (grouping[other] !== undefined) return other;
    if (grouping["'"] !== undefined) return "'";
    if (grouping[' '] !== undefined) return ' ';
    // No grouping in the head: the other separator is accepted between groups of three, so a later
    // 1.234,56 still reads; it can never misread a number, since the decimal separator is settled.
    return other;
  };
  if (hint !== undefined) {
    return { readings: [{ decimalSeparator: hint, thousandsSeparator: thousandsFor(hint) }], reason: `decimal separator "${hint}" as given` };
  }
  if (decimals.length === 1) {
    const d = decimals[0] as DecimalSeparator;
    const t = thousandsFor(d);
    const grouped = grouping[t] !== undefined ? `; "${grouping[t] ?? ''}" groups thousands with "${t}"` : `; no amount in the head groups thousands, "${t}" is accepted between groups of three`;
    return { readings: [{ decimalSeparator: d, thousandsSeparator: t }], reason: `"${evidence[d] ?? ''}" has "${d}" before its decimals${grouped}` };
  }
  if (decimals.length > 1) {
    return { readings: [{ decimalSeparator: '.', thousandsSeparator: '' }, { decimalSeparator: ',', thousandsSeparator: '' }], reason: `cells disagree: "${evidence['.'] ?? ''}" and "${evidence[','] ?? ''}"` };
  }
  // No separator before decimals anywhere: grouping alone, or `1.250`-like cells.
  const groupedBy = ['.', ','].find((g) => grouping[g] !== undefined) as DecimalSeparator | undefined;
  if (groupedBy !== undefined) {
    const d: DecimalSeparator = groupedBy === '.' ? ',' : '.';
    return { readings: [{ decimalSeparator: d, thousandsSeparator: groupedBy }], reason: `"${grouping[groupedBy] ?? ''}" repeats "${groupedBy}" between groups of three digits` };
  }
  if (threeDigitCell !== undefined) {
    const sep = threeDigitCell.includes(',') ? ',' : '.';
    const other: DecimalSeparator = sep === '.' ? ',' : '.';
    return {
      readings: [
        { decimalSeparator: sep, thousandsSeparator: '' },
        { decimalSeparator: other, thousandsSeparator: sep },
      ],
      reason: `every amount like "${threeDigitCell}" has one "${sep}" followed by three digits: three decimals, or a thousands separator`,
    };
  }
  const t: ThousandsSeparator = grouping["'"] !== undefined ? "'" : grouping[' '] !== undefined ? ' ' : '';
  return { readings: [{ decimalSeparator: '.', thousandsSeparator: t }], reason: 'the amounts are whole numbers (either separator reads them the same)' };
}
