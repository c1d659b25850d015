import { expandTwoDigitYear, ymd } from '../dates.ts';

const TOKENS: Record<string, string> = { YYYY: '(?<y4>\\d{4})', YY: '(?<y2>\\d{2})', MM: '(?<m>\\d{2})', M: '(?<m>\\d{1,2})', DD: '(?<d>\\d{2})', D: '(?<d>\\d{1,2})' };

/**
 * Builds a reader for dates written as a profile says (`DD.MM.YYYY`, `M/D/YY`, `YYYY-MM-DD`…).
 * A time after the date (`2021-02-03 13:12`) is ignored; the result is `YYYY-MM-DD` or undefined.
 */
export function dateReader(format: string): (text: string) => string | undefined {
  let pattern = '';
  for (let rest = format; rest.length > 0; ) {
    const token = ['YYYY', 'YY', 'MM', 'M', 'DD', 'D'].find((t) => rest.startsWith(t));
    if (token !== undefined) {
      pattern += TOKENS[token] ?? '';
      rest = rest.slice(token.length);
    } else {
      pattern += (rest[0] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      rest = rest.slice(1);
    }
  }
  const re = new RegExp(`^${pattern}(?:[ T].*)?$`);
  // Rows of an export come day by day, so the same text repeats: remember the last one.
  let lastText: string | undefined;
  let lastDate: string | undefined;
  return (text: string) => {
    if (text === lastText) return lastDate;
    const groups = re.exec(text.trim())?.groups;
    let date: string | undefined;
    if (groups !== undefined) {
      const year = groups['y4'] !== undefined ? Number(groups['y4']) : expandTwoDigitYear(Number(groups['y2']));
      date = ymd(year, Number(groups['m']), Number(groups['d']));
    }
    lastText = text;
    lastDate = date;
    return date;
  };
}
