import { isValidYmd } from '../../dates.ts';

export interface DateFormatGuess {
  /** Profile date formats (`DD.MM.YYYY`, `M/D/YY`…) that read every date cell; one when settled. */
  readings: string[];
  /** Why, in words, with an example cell. */
  reason: string;
  /** A cell no reading accepts (the detection then fails on it). */
  unreadable?: string;
}

/** A date at the start of a cell, a time after it allowed: `31.01.2024`, `1/2/24`, `2024-01-31 10:00`, `20240131`. */
const SHAPE = /^(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?:[ T].*)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;

export function looksLikeDate(cell: string): boolean {
  const t = cell.trim();
  return SHAPE.test(t) || (COMPACT.test(t) && isValidYmd(Number(t.slice(0, 4)), Number(t.slice(4, 6)), Number(t.slice(6, 8))));
}

/**
 * Every order the cells allow (year first, day first, month first) with the widths the cells use:
 * `DD`/`MM` when every day and month has two digits, `D`/`M` when any has one. When both day-first and month-first read
 * every cell (no day above 12), both readings stay: a guess would move every date by months.
 */
export function detectDateFormat(cells: readonly string[], hint?: string): DateFormatGuess {
  const values = cells.map((c) => c.trim()).filter((c) => c !== '');
  if (hint !== undefined) return { readings: [hint], reason: `date format ${hint} as given` };
  if (values.length === 0) return { readings: [], reason: 'the date column is empty' };
  const first = values[0] ?? '';
  if (values.every((v) => COMPACT.test(v))) {
    const bad = values.find((v) => !isValidYmd(Number(v.slice(0, 4)), Number(v.slice(4, 6)), Number(v.slice(6, 8))));
    return bad === undefined ? { readings: ['YYYYMMDD'], reason: `"${first}" is year, month, day without separators` } : { readings: [], reason: `"${bad}" is not a date`, unreadable: bad };
  }
  const parts: Array<[string, string, string, string]> = [];
  for (const v of values) {
    const m = SHAPE.exec(v);
    if (m === null) return { readings: [], reason: `"${v.slice(0, 30)}" is not a date`, unreadable: v };
    parts.push([m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? '']);
  }
  const separators = new Set(parts.map((p) => p[1]));
  if (separators.size > 1) return { readings: [], reason: `the dates mix separators (${[...separators].join(' ')})`, unreadable: values.find((v) => !v.includes(parts[0]?.[1] ?? '')) ?? first };
  const sep = parts[0]?.[1] ?? '.';
  const year = (texts: string[]) => (texts.every((t) => t.length === 4) ? 'YYYY' : texts.every((t) => t.length === 2) ? 'YY' : undefined);
  const readings: string[] = [];
  let unreadable: string | undefined;
  const tryOrder = (order: 'ymd' | 'dmy' | 'mdy') => {
    const [y, m, d] = order === 'ymd' ? [0, 2, 3] : order === 'dmy' ? [3, 2, 0] : [3, 0, 2];
    const ys = parts.map((p) => p[y] ?? '');
    const yearToken = year(ys);
    if (yearToken === undefined) return;
    for (const [i, p] of parts.entries()) {
      const yy = Number(p[y]);
      const fullYear = yearToken === 'YYYY' ? yy : yy >= 70 ? 1900 + yy : 2000 + yy;
      if (!isValidYmd(fullYear, Number(p[m]), Number(p[d]))) {
        unreadable ??= values[i];
        return;
      }
    }
    // A bank that writes 6/12/15 does not pad days either, even if the head holds only days above 9.
    const padded = parts.every((p) => (p[m] ?? '').length === 2 && (p[d] ?? '').length === 2);
    const tokens = { y: yearToken, m: padded ? 'MM' : 'M', d: padded ? 'DD' : 'D' };
    const format = order === 'ymd' ? [tokens.y, tokens.m, tokens.d] : order === 'dmy' ? [tokens.d, tokens.m, tokens.y] : [tokens.m, tokens.d, tokens.y];
    readings.push(format.join(sep));
  };
  if (parts.every((p) => p[0].length === 4)) tryOrder('ymd');
  else {
    tryOrder('dmy');
    tryOrder('mdy');
  }
  if (readings.length === 0) return { readings, reason: `"${unreadable ?? first}" is not a date in any order`, ...(unreadable === undefined ? {} : { unreadable }) };
  if (readings.length === 1) {
    const reading = readings[0] ?? '';
    const decisive = reading.startsWith('Y') ? first : values.find((v) => Number(SHAPE.exec(v)?.[reading.startsWith('D') ? 1 : 3]) > 12) ?? first;
    return { readings, reason: `"${decisive}" can only be read as ${reading}` };
  }
  return { readings, reason: `no day is above 12 (e.g. "${first}"), so day and month cannot be told apart` };
}
