/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), parsed once into the
 * sets of values each field allows. The grammar is Debian cron's: lists, ranges, steps, month and
 * day names, `7` for Sunday, and the `@daily`-style shorthands. Everything else is refused with a
 * message that names the field and what it expected, because a schedule that silently means
 * something else runs a heavy read in the middle of a business day.
 */

export interface CronExpression {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Cron's rule: when both day fields are restricted, a day matches if either does. */
  readonly dayOfMonthRestricted: boolean;
  readonly dayOfWeekRestricted: boolean;
  /**
   * Debian cron's daylight-saving rule applies only to jobs at a fixed time: a `*` (or a step over `*`) in the
   * minute or hour field makes the job follow the clock as it is, never caught up or held back.
   */
  readonly fixedTime: boolean;
}

export class CronSyntaxError extends Error {
  readonly code = 'cron_syntax';
}

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The value names count from (1 for months, 0 for days). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

export function parseCron(expression: string): CronExpression {
  const trimmed = expression.trim();
  const shorthand = SHORTHANDS[trimmed.toLowerCase()];
  if (trimmed.toLowerCase() === '@reboot') {
    throw new CronSyntaxError(
      '"@reboot" is not a schedule here: use the missed-run policy "run-once" to run at start.',
    );
  }
  const text = shorthand ?? trimmed;
  const parts = text.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5) {
    throw new CronSyntaxError(
      `"${expression}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; a cron expression has five: ` +
        'minute hour day-of-month month day-of-week, e.g. "0 2 * * *" for every night at 02:00.',
    );
  }
  const [minutes, hours, daysOfMonth, months, rawDaysOfWeek] = parts.map((part, index) =>
    parseField(part, FIELDS[index]!, expression),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const daysOfWeek = new Set([...rawDaysOfWeek].map((day) => day % 7));
  const [minuteText, hourText, domText, , dowText] = parts as [string, string, string, string, string];
  return {
    source: expression,
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    dayOfMonthRestricted: !domText.startsWith('*'),
    dayOfWeekRestricted: !dowText.startsWith('*'),
    fixedTime: !minuteText.startsWith('*') && !hourText.startsWith('*'),
  };
}

function parseField(text: string, spec: FieldSpec, expression: string): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [rangeText, stepText, extra] = item.split('/');
    if (rangeText === undefined || rangeText === '' || extra !== undefined) throw fieldError(spec, item, expression);
    const step = stepText === undefined ? 1 : parseNumber(stepText, spec, expression, 1, spec.max - spec.min + 1);
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = spec.min;
      to = spec.name === 'day of week' ? 6 : spec.max;
    } else {
      const [fromText, toText, more] = rangeText.split('-');
      if (fromText === undefined || more !== undefined) throw fieldError(spec, item, expression);
      from = parseValue(fromText, spec, expression);
      // "5/15" means "from 5 to the end, every 15", as in Debian cron.
      to = toText === undefined ? (stepText === undefined ? from : spec.max) : parseValue(toText, spec, expression);
      if (to < from) {
        throw new CronSyntaxError(
          `In "${expression}", the ${spec.name} range "${rangeText}" runs backwards; write the smaller value first.`,
        );
      }
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function parseValue(text: string, spec: FieldSpec, expression: string): number {
  const nameIndex = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (nameIndex >= 0) return nameIndex + (spec.nameBase ?? 0);
  return parseNumber(text, spec, expression, spec.min, spec.max);
}

function parseNumber(text: string, spec: FieldSpec, expression: string, min: number, max: number): number {
  if (!/^\d{1,2}$/.test(text)) throw fieldError(spec, text, expression);
  const value = Number(text);
  if (value < min || value > max) {
    throw new CronSyntaxError(`In "${expression}", the ${spec.name} "${text}" is outside ${min}–${max}.`);
  }
  return value;
}

function fieldError(spec: FieldSpec, item: string, expression: string): CronSyntaxError {
  const names = spec.names === undefined ? '' : ` or names (${spec.names.slice(0, 3).join(', ')}, …)`;
  return new CronSyntaxError(
    `In "${expression}", the ${spec.name} field "${item}" is not understood: expected *, numbers ${spec.min}–${spec.max}${names}, ` +
      'lists (1,15), ranges (1-5) or steps (*/15).',
  );
}
