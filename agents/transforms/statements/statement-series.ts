/**
 * Statement sequence per account across files (issue 4, item 3): MT940 `:28C:` statement/page
 * numbers, CAMT electronic sequence numbers, otherwise the periods (OFX date ranges). A gap raises a
 * warning the bookkeeper sees ("Statement 15/2 for account … is missing."); it clears when the
 * missing statement arrives later. The state travels in the statements stream's checkpoint, so it
 * commits together with the statements that changed it.
 */
import type { JsonValue } from '../../api/index.ts';
import { addDays } from '../../formats/dates.ts';
import type { Statement } from '../../formats/index.ts';
import { labelsBetween, listInWords, mergeLabels } from './missing-list.ts';

interface Position {
  format: string;
  number?: string;
  page?: string;
  periodStart?: string;
  periodEnd?: string;
}

interface Period {
  from: string;
  to: string;
}

interface AccountState {
  last: Position;
  missing: string[];
  missingPeriods: Period[];
}

export interface SeriesChange {
  /** The series (an account, a register) whose warning changed. */
  id: string;
  /** The warning now, or null when nothing is missing any more. */
  message: string | null;
}

export class StatementSeries {
  private readonly accounts: Map<string, AccountState>;
  private readonly changed = new Set<string>();

  constructor(state: JsonValue | undefined) {
    this.accounts = new Map(Object.entries(readState(state)));
  }

  observe(statement: Statement): void {
    const account = statement.accountId;
    const next = positionOf(statement);
    const state = this.accounts.get(account);
    if (state === undefined) {
      this.accounts.set(account, { last: next, missing: [], missingPeriods: [] });
      return;
    }
    const before = describe(account, state);
    state.missing = state.missing.filter((label) => !fills(next, label));
    state.missingPeriods = subtractPeriod(state.missingPeriods, next);
    const order = compare(state.last, next);
    if (order === 'after') {
      state.missing = mergeLabels(state.missing, missingNumbers(state.last, next));
      const gap = missingPeriod(state.last, next);
      if (gap !== undefined) state.missingPeriods = [...state.missingPeriods, gap].slice(-20);
      state.last = next;
    } else if (order === 'restart') state.last = next;
    if (describe(account, state) !== before) this.changed.add(account);
  }

  /** Warnings that changed since the last call. */
  takeChanges(): SeriesChange[] {
    const changes = [...this.changed].map((id) => {
      const state = this.accounts.get(id);
      return { id, message: state === undefined ? null : describe(id, state) };
    });
    this.changed.clear();
    return changes;
  }

  /** The current warning of every account with something missing. */
  warnings(): string[] {
    return [...this.accounts].flatMap(([id, state]) => {
      const message = describe(id, state);
      return message === null ? [] : [message];
    });
  }

  toJSON(): JsonValue {
    return { v: 1, accounts: Object.fromEntries(this.accounts) } as unknown as JsonValue;
  }
}

function readState(state: JsonValue | undefined): Record<string, AccountState> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return {};
  const accounts = state.accounts;
  if (typeof accounts !== 'object' || accounts === null || Array.isArray(accounts)) return {};
  return accounts as unknown as Record<string, AccountState>;
}

function positionOf(statement: Statement): Position {
  const position: Position = { format: statement.format };
  const numbered = statement.format === 'mt940' || statement.format === 'mt942';
  if (numbered && isCount(statement.statementNumber) && Number(statement.statementNumber) > 0) {
    position.number = String(Number(statement.statementNumber));
    if (isCount(statement.sequenceNumber)) position.page = String(Number(statement.sequenceNumber));
  } else if (statement.format.startsWith('camt') && isCount(statement.sequenceNumber)) {
    position.number = String(Number(statement.sequenceNumber));
  }
  const start = statement.periodStart ?? statement.openingBalance?.date;
  const end = statement.periodEnd ?? statement.closingBalance?.date;
  if (start !== undefined) position.periodStart = start;
  if (end !== undefined) position.periodEnd = end;
  return position;
}

function isCount(text: string | undefined): text is string {
  return text !== undefined && /^\s*\d{1,9}\s*$/.test(text);
}

function numbered(a: Position, b: Position): boolean {
  return a.number !== undefined && b.number !== undefined && a.format.slice(0, 4) === b.format.slice(0, 4);
}

/** Where `next` stands relative to `last`: later, a restart of the numbering (New Year), or an older one arriving late. */
function compare(last: Position, next: Position): 'after' | 'restart' | 'earlier' {
  const laterDate = last.periodEnd === undefined || next.periodEnd === undefined || next.periodEnd >= last.periodEnd;
  if (numbered(last, next)) {
    const [ln, nn] = [Number(last.number), Number(next.number)];
    const [lp, np] = [Number(last.page ?? 0), Number(next.page ?? 0)];
    if (nn > ln || (nn === ln && np > lp)) return 'after';
    if (nn === ln && np === lp) return 'earlier';
    // A smaller number with a later date is the bank starting over, not a late arrival.
    return laterDate && last.periodEnd !== undefined && next.periodEnd !== undefined && next.periodEnd > last.periodEnd ? 'restart' : 'earlier';
  }
  if (last.periodEnd !== undefined && next.periodEnd !== undefined) return next.periodEnd > last.periodEnd ? 'after' : 'earlier';
  return 'earlier';
}

function missingNumbers(last: Position, next: Position): string[] {
  if (!numbered(last, next)) return [];
  const [ln, nn] = [BigInt(last.number ?? 0), BigInt(next.number ?? 0)];
  const isMt = next.format.startsWith('mt94');
  if (!isMt) return labelsBetween(ln, nn, (n) => `with electronic sequence number ${n}`);
  const np = BigInt(next.page ?? 0);
  if (nn === ln) return labelsBetween(BigInt(last.page ?? 0), np, (p) => `${nn}/${p}`);
  const whole = labelsBetween(ln, nn, (n) => `${n}`);
  const pages = np > 1n ? labelsBetween(0n, np, (p) => `${nn}/${p}`) : [];
  return [...whole, ...pages];
}

function missingPeriod(last: Position, next: Position): Period | undefined {
  if (numbered(last, next) || last.periodEnd === undefined || next.periodStart === undefined) return undefined;
  const from = addDays(last.periodEnd, 1);
  const to = addDays(next.periodStart, -1);
  return from <= to ? { from, to } : undefined;
}

function fills(position: Position, label: string): boolean {
  if (position.number === undefined) return false;
  if (label === `with electronic sequence number ${position.number}`) return true;
  return label === position.number || label === `${position.number}/${position.page ?? ''}`;
}

function subtractPeriod(periods: readonly Period[], position: Position): Period[] {
  const { periodStart: start, periodEnd: end } = position;
  if (start === undefined || end === undefined) return [...periods];
  return periods.flatMap((p) => {
    if (end < p.from || start > p.to) return [p];
    const rest: Period[] = [];
    if (start > p.from) rest.push({ from: p.from, to: addDays(start, -1) });
    if (end < p.to) rest.push({ from: addDays(end, 1), to: p.to });
    return rest;
  });
}

function describe(account: string, state: AccountState): string | null {
  const parts: string[] = [];
  const statements = state.missing.filter((l) => !l.startsWith('with '));
  const sequences = state.missing.filter((l) => l.startsWith('with ')).map((l) => l.replace('with electronic sequence number ', ''));
  if (statements.length > 0) {
    parts.push(`Statement${statements.length === 1 ? '' : 's'} ${listInWords(statements)} for account ${account} ${statements.length === 1 ? 'is' : 'are'} missing.`);
  }
  if (sequences.length > 0) {
    parts.push(
      `The statement${sequences.length === 1 ? '' : 's'} with electronic sequence number${sequences.length === 1 ? '' : 's'} ${listInWords(sequences)} for account ${account} ${sequences.length === 1 ? 'is' : 'are'} missing.`,
    );
  }
  for (const p of state.missingPeriods) {
    parts.push(`No statement for account ${account} covers ${p.from === p.to ? p.from : `${p.from} to ${p.to}`}: a download is missing.`);
  }
  return parts.length === 0 ? null : parts.join(' ');
}
