/**
 * Dates to ISO 8601 (YYYY-MM-DD) from the formats ERPs and bank files write. The format is always given
 * by the stream's configuration: nothing is guessed. Several formats may be allowed for one field; when
 * the text reads as different dates under two of them (03/04/2024 as DD/MM and MM/DD) it is refused as
 * ambiguous rather than picked. Two-digit years and impossible dates (31.02.) are refused too.
 */
import { failed, type CheckResult } from '../reference/check-failure.ts';

export const DATE_FORMATS = ['DD.MM.YYYY', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD-MM-YYYY', 'YYYYMMDD', 'YYYY-MM-DD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export type DateCode = 'date_format' | 'date_impossible' | 'date_ambiguous';

interface Parts {
  year: string;
  month: string;
  day: string;
}

// Day and month may be written with one digit where a separator shows where they end (1.2.2024).
const READERS: Record<DateFormat, (text: string) => Parts | undefined> = {
  'DD.MM.YYYY': (t) => separated(/^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t), 'dmy'),
  'DD/MM/YYYY': (t) => separated(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t), 'dmy'),
  'MM/DD/YYYY': (t) => separated(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t), 'mdy'),
  'DD-MM-YYYY': (t) => separated(/^(\d{1,2})-(\d{1,2})-(\d{4})$/.exec(t), 'dmy'),
  'YYYYMMDD': (t) => separated(/^(\d{4})(\d{2})(\d{2})$/.exec(t), 'ymd'),
  'YYYY-MM-DD': (t) => separated(/^(\d{4})-(\d{2})-(\d{2})$/.exec(t), 'ymd'),
};

function separated(match: RegExpExecArray | null, order: 'dmy' | 'mdy' | 'ymd'): Parts | undefined {
  if (match === null) return undefined;
  const [, a = '', b = '', c = ''] = match;
  if (order === 'dmy') return { day: a, month: b, year: c };
  if (order === 'mdy') return { month: a, day: b, year: c };
  return { year: a, month: b, day: c };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The ISO date, or undefined when the parts are not a calendar date. */
function isoDate(parts: Parts): string | undefined {
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return `${parts.year}-${parts.month.padStart(2, '0')}-${parts.day.padStart(2, '0')}`;
}

export function normaliseDate(text: string, formats: DateFormat | readonly DateFormat[], path?: string): CheckResult<string, DateCode> {
  const allowed: readonly DateFormat[] = typeof formats === 'string' ? [formats] : formats;
  const trimmed = text.trim();
  const readings = new Map<string, DateFormat>();
  let impossible: DateFormat | undefined;
  for (const format of allowed) {
    const parts = READERS[format](trimmed);
    if (parts === undefined) continue;
    const iso = isoDate(parts);
    if (iso === undefined) impossible ??= format;
    else if (!readings.has(iso)) readings.set(iso, format);
  }
  const expected = allowed.join(' or ');
  if (readings.size > 1) {
    const options = [...readings].map(([iso, format]) => `${iso} as ${format}`).join(', ');
    return failed('date_ambiguous', text, `date "${text}" reads as ${options}; it is not guessed. Configure one format for this field or fix the source.`, path);
  }
  const [only] = readings.keys();
  if (only !== undefined) return { ok: true, value: only };
  if (impossible !== undefined) {
    return failed('date_impossible', text, `date "${text}" read as ${impossible} is not a calendar date (day or month out of range); check the date in the source.`, path);
  }
  return failed('date_format', text, `date "${text}" does not match ${expected} (four-digit year); check the date or the format configured for this field.`, path);
}
