/** Calendar helpers shared by the parsers: every date leaves a parser as a valid `YYYY-MM-DD`. */

export function isValidYmd(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return DAYS[month - 1] ?? 0;
}

export function formatYmd(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` when valid, else undefined. */
export function ymd(year: number, month: number, day: number): string | undefined {
  return isValidYmd(year, month, day) ? formatYmd(year, month, day) : undefined;
}

/** Two-digit years as SWIFT and BAI2 write them: 70–99 → 19xx, 00–69 → 20xx. */
export function expandTwoDigitYear(yy: number): number {
  return yy >= 70 ? 1900 + yy : 2000 + yy;
}

/** `YYYYMMDD…` (OFX, CAMT date-times cut to the date) → `YYYY-MM-DD`, or undefined. */
export function compactDate(text: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(text.trim());
  if (m === null) return undefined;
  return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days));
  return formatYmd(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}
