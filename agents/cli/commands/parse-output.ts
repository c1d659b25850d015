/** `tya-agent parse` in words: what the agent reads from a file, and whether it would be accepted. */
import type { CheckResult, Entry, Money, ParseReport, Statement } from '../../formats/index.ts';
import { formatDecimalForHumans } from '../../formats/index.ts';
import { zLabel, type ZReport } from '../../formats/zreport/index.ts';

/** What `parse` found in a Z-report file (the bank case uses ParseReport). */
export interface ZParseReport {
  file: string;
  sha256: string;
  bytes: number;
  kind: 'zreport';
  format: string;
  reports: ZReport[];
  checks: CheckResult[];
  warnings: string[];
  accepted: boolean;
  error?: { code: string; message: string; hint?: string; line?: number; offset?: number; field?: string };
}

const SHOWN_ENTRIES = 20;

export function describeBankReport(report: ParseReport, all: boolean): string[] {
  const lines = [`${report.file}: ${report.format === 'unknown' ? 'not readable' : report.format.toUpperCase()}, ${report.accepted ? 'would be accepted' : 'would be REJECTED'}`];
  report.statements.forEach((s, i) => lines.push(...describeStatement(s, i, report.statements.length, all)));
  lines.push(...describeChecks(report.checks), ...describeWarnings(report.warnings));
  return lines;
}

export function describeZReport(report: ZParseReport): string[] {
  const lines = [`${report.file}: Z report (${report.format}), ${report.accepted ? 'would be accepted' : 'would be REJECTED'}`];
  for (const z of report.reports) {
    lines.push(`  ${zLabel(z)}, register ${z.register}, business day ${z.businessDay}, ${z.openedAt} to ${z.closedAt}`);
    lines.push(`    total ${money(z.total, z.currency)}${z.receiptCount === undefined ? '' : `, ${z.receiptCount} receipts`}`);
    lines.push(`    tenders: ${Object.entries(z.tenders).map(([t, a]) => `${t} ${money(a, z.currency)}`).join(', ')}`);
    const c = z.cash;
    lines.push(`    cash: float ${money(c.openingFloat, z.currency)}, paid in ${money(c.paidIn, z.currency)}, paid out ${money(c.paidOut, z.currency)}, expected ${money(c.expected, z.currency)}, counted ${money(c.counted, z.currency)}, difference ${money(c.difference, z.currency)}`);
  }
  lines.push(...describeChecks(report.checks), ...describeWarnings(report.warnings));
  return lines;
}

function describeStatement(s: Statement, index: number, count: number, all: boolean): string[] {
  const period = s.periodStart !== undefined || s.periodEnd !== undefined ? `, ${s.periodStart ?? '?'} to ${s.periodEnd ?? '?'}` : '';
  const number = s.statementNumber === undefined ? '' : `, statement ${s.statementNumber}${s.sequenceNumber !== undefined && s.sequenceNumber !== s.statementNumber ? `/${s.sequenceNumber}` : ''}`;
  const lines = [`  Statement ${index + 1} of ${count}: account ${s.accountId}${s.iban !== undefined && s.iban !== s.accountId ? ` (IBAN ${s.iban})` : ''}, ${s.currency}${period}${number}`];
  lines.push(`    opening ${balance(s.openingBalance)} → closing ${balance(s.closingBalance)}`);
  lines.push(`    ${s.entries.length} ${s.entries.length === 1 ? 'entry' : 'entries'}${s.entries.length > 0 ? ':' : ''}`);
  const shown = all ? s.entries : s.entries.slice(0, SHOWN_ENTRIES);
  for (const e of shown) lines.push(`      ${entryLine(e)}`);
  if (shown.length < s.entries.length) lines.push(`      … ${s.entries.length - shown.length} more (--all or --json shows every entry)`);
  return lines;
}

function entryLine(e: Entry): string {
  const text = [e.counterparty, e.remittance].filter((t) => t !== undefined && t !== '').join(' / ');
  const ref = e.bankReference === undefined ? '' : `  ref ${e.bankReference}`;
  return `${e.bookingDate}  ${money(e.amount, e.currency).padStart(18)}  ${text.slice(0, 60)}${ref}`;
}

function describeChecks(checks: readonly CheckResult[]): string[] {
  if (checks.length === 0) return [];
  return ['  Checks:', ...checks.map((c) => `    ${c.status === 'failed' ? 'FAILED ' : c.status === 'passed' ? 'passed ' : 'skipped'} ${c.name}: ${c.message}`)];
}

function describeWarnings(warnings: readonly string[]): string[] {
  return warnings.length === 0 ? [] : ['  Warnings:', ...warnings.map((w) => `    ${w}`)];
}

function balance(m: Money | undefined): string {
  if (m === undefined) return 'not stated';
  const details = [m.kind, m.date].filter((d) => d !== undefined).join(', ');
  return `${money(m.amount, m.currency)}${details === '' ? '' : ` (${details})`}`;
}

function money(amount: string, currency: string): string {
  return `${formatDecimalForHumans(amount)} ${currency}`;
}
