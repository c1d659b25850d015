/**
 * Checks of a Z report before it is sent: the tenders add up to the total (a failure quarantines the
 * file), and the counted cash is compared with what the drawer should hold (over/short is reported,
 * not refused: the till is closed, the difference is a fact the bookkeeper needs to see).
 */
import { compareDecimals, formatDecimalForHumans, isNegativeDecimal, subtractDecimals, sumDecimals, absDecimal } from '../decimal.ts';
import type { CheckResult } from '../model.ts';
import { zLabel, type ZReport, type ZReportChecks } from './model.ts';

export function checkZReports(reports: readonly ZReport[]): ZReportChecks {
  const checks: CheckResult[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, ZReport>();
  for (const report of reports) {
    const name = `${zLabel(report)} of register ${report.register}`;
    const key = `${report.register}\u0000${BigInt(report.zNumber).toString()}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      checks.push(fail(`${name} is unique`, `${name} appears twice in the file (lines ${earlier.line} and ${report.line}); it is not clear which one is right`));
    }
    seen.set(key, report);
    checks.push(checkTenders(report, name));
    const cash = checkCash(report, name);
    checks.push(cash.check);
    if (cash.warning !== undefined) warnings.push(cash.warning);
  }
  warnings.push(...gapsInside(reports));
  return { checks, warnings };
}

export function checkTenders(report: ZReport, name = `${zLabel(report)} of register ${report.register}`): CheckResult {
  const entries = Object.entries(report.tenders);
  const sum = sumDecimals(entries.map(([, amount]) => amount));
  const listed = entries.map(([tender, amount]) => `${tender} ${money(amount, report.currency)}`).join(' + ');
  const checkName = `tenders of ${name} add up to its total`;
  if (compareDecimals(sum, report.total) === 0) {
    return { name: checkName, passed: true, status: 'passed', message: `${listed} = total ${money(report.total, report.currency)}.` };
  }
  return fail(
    checkName,
    `total ${money(report.total, report.currency)} stated, the tenders (${listed}) add up to ${money(sum, report.currency)}: difference ${money(subtractDecimals(report.total, sum), report.currency)}`,
  );
}

export function checkCash(report: ZReport, name = `${zLabel(report)} of register ${report.register}`): { check: CheckResult; warning?: string } {
  const { cash, currency } = report;
  const basis = `opening float ${money(cash.openingFloat, currency)} + cash takings ${money(report.tenders.cash ?? '0', currency)} + paid in ${money(cash.paidIn, currency)} − paid out ${money(cash.paidOut, currency)}`;
  const checkName = `cash count of ${name}`;
  if (compareDecimals(cash.difference, '0') === 0) {
    return { check: { name: checkName, passed: true, status: 'passed', message: `Counted ${money(cash.counted, currency)} = expected (${basis}).` } };
  }
  const word = isNegativeDecimal(cash.difference) ? 'short' : 'over';
  const message = `Cash ${word} by ${money(absDecimal(cash.difference), currency)}: counted ${money(cash.counted, currency)}, expected ${money(cash.expected, currency)} (${basis}).`;
  return {
    // Over/short is a finding, not a reason to hold the report back.
    check: { name: checkName, passed: true, status: 'passed', message },
    warning: `Register ${report.register} ${zLabel(report)}: ${message[0]?.toLowerCase() ?? ''}${message.slice(1)}`,
  };
}

/** Z numbers missing between reports of the same register inside one file. */
function gapsInside(reports: readonly ZReport[]): string[] {
  const byRegister = new Map<string, ZReport[]>();
  for (const r of reports) byRegister.set(r.register, [...(byRegister.get(r.register) ?? []), r]);
  const warnings: string[] = [];
  for (const [register, list] of byRegister) {
    const sorted = [...list].sort((a, b) => (BigInt(a.zNumber) < BigInt(b.zNumber) ? -1 : 1));
    for (let i = 1; i < sorted.length; i += 1) {
      const previous = BigInt(sorted[i - 1]?.zNumber ?? '0');
      const next = sorted[i]!;
      const width = next.zNumber.length;
      const missing: string[] = [];
      for (let n = previous + 1n; n < BigInt(next.zNumber) && missing.length <= 5; n += 1n) missing.push(`Z-${n.toString().padStart(width, '0')}`);
      if (missing.length > 0) {
        const shown = missing.length > 5 ? `${missing.slice(0, 5).join(', ')}, …` : missing.join(', ');
        warnings.push(`Register ${register}: ${shown} ${missing.length === 1 ? 'is' : 'are'} missing between the reports of this file.`);
      }
    }
  }
  return warnings;
}

function fail(name: string, message: string): CheckResult {
  return { name, passed: false, status: 'failed', message: `${message[0]?.toUpperCase() ?? ''}${message.slice(1)}.` };
}

function money(amount: string, currency: string): string {
  return `${formatDecimalForHumans(amount)} ${currency}`;
}
