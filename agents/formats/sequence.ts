import { addDays } from './dates.ts';
import type { FormatName, Statement } from './model.ts';

/** Where a statement sits in its account's series: what the folder source remembers per account. */
export interface StatementPosition {
  format: FormatName;
  accountId: string;
  statementNumber?: string;
  sequenceNumber?: string;
  periodStart?: string;
  periodEnd?: string;
}

export function positionOf(statement: Omit<Statement, 'entries'>): StatementPosition {
  const position: StatementPosition = { format: statement.format, accountId: statement.accountId };
  if (statement.statementNumber !== undefined) position.statementNumber = statement.statementNumber;
  if (statement.sequenceNumber !== undefined) position.sequenceNumber = statement.sequenceNumber;
  if (statement.periodStart !== undefined) position.periodStart = statement.periodStart;
  if (statement.periodEnd !== undefined) position.periodEnd = statement.periodEnd;
  return position;
}

/**
 * A gap between two statements of one account, in words the bookkeeper sees ("statement 15/2 for
 * account … is missing"), or undefined when `next` follows `previous`:
 * - MT940/MT942: `:28C:` statement number / page (numbering restarting, e.g. at New Year, is no gap);
 * - CAMT: the electronic sequence number (ElctrncSeqNb);
 * - OFX and the rest: the periods, when a day between them is covered by neither.
 */
export function sequenceGap(previous: StatementPosition, next: StatementPosition): string | undefined {
  if (previous.accountId !== next.accountId) return undefined;
  const account = next.accountId;
  if (next.format === 'mt940' || next.format === 'mt942') {
    const [ps, pp, ns, np] = [previous.statementNumber, previous.sequenceNumber, next.statementNumber, next.sequenceNumber].map(number);
    // Zero means the bank does not number its statements (several German banks send :28C:0).
    if (ps === undefined || ns === undefined || ps === 0 || ns === 0) return undefined;
    if (ns === ps) {
      if (pp !== undefined && np !== undefined && np > pp + 1) return missing(range(pp + 1, np - 1).map((p) => `${ns}/${p}`), account);
      return undefined;
    }
    if (ns === ps + 1) return np !== undefined && np > 1 ? missing(range(1, np - 1).map((p) => `${ns}/${p}`), account) : undefined;
    if (ns > ps + 1) return missing(range(ps + 1, ns - 1).map(String), account);
    return undefined;
  }
  if (next.format.startsWith('camt')) {
    const p = number(previous.sequenceNumber);
    const n = number(next.sequenceNumber);
    if (p === undefined || n === undefined || n <= p + 1) return undefined;
    return missing(range(p + 1, n - 1).map((s) => `with electronic sequence number ${s}`), account);
  }
  if (previous.periodEnd !== undefined && next.periodStart !== undefined && next.periodStart > addDays(previous.periodEnd, 1)) {
    return `No statement for account ${account} covers ${addDays(previous.periodEnd, 1)} to ${addDays(next.periodStart, -1)}: a download is missing.`;
  }
  return undefined;
}

/** Gaps between consecutive statements of the same account inside one file. */
export function sequenceWarnings(statements: readonly Omit<Statement, 'entries'>[]): string[] {
  const last = new Map<string, StatementPosition>();
  const warnings: string[] = [];
  for (const statement of statements) {
    const position = positionOf(statement);
    const previous = last.get(statement.accountId);
    if (previous !== undefined) {
      const gap = sequenceGap(previous, position);
      if (gap !== undefined) warnings.push(gap);
    }
    last.set(statement.accountId, position);
  }
  return warnings;
}

function missing(labels: string[], account: string): string {
  const shown = labels.length > 5 ? [...labels.slice(0, 3), '…', labels[labels.length - 1] ?? ''] : labels;
  return labels.length === 1
    ? `Statement ${shown[0] ?? ''} for account ${account} is missing.`
    : `Statements ${shown.join(', ')} for account ${account} are missing.`;
}

function number(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to && out.length < 1000; i += 1) out.push(i);
  return out;
}
