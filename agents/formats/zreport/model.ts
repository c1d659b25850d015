/**
 * A POS shift-close ("Z") report: what the till says when a register is closed for the day. Money is
 * an exact decimal string (DESIGN.md §4.4); times carry a UTC offset and the business day is kept
 * beside them (§4.4: a shift past midnight still belongs to the day it opened).
 */
import type { CheckResult } from '../model.ts';

export interface ZReportCash {
  openingFloat: string;
  paidIn: string;
  paidOut: string;
  /** openingFloat + cash takings + paidIn − paidOut. */
  expected: string;
  counted: string;
  /** counted − expected: positive is over, negative is short. */
  difference: string;
}

export interface ZReport {
  register: string;
  /** Digits as the till wrote them (leading zeros kept): shown as `Z-00412`. */
  zNumber: string;
  /** YYYY-MM-DD. */
  businessDay: string;
  /** RFC 3339 with offset. */
  openedAt: string;
  closedAt: string;
  currency: string;
  /** Total takings of the shift. */
  total: string;
  /** Tender name (lower case: cash, card, voucher…) → amount, in the file's order. */
  tenders: Record<string, string>;
  cash: ZReportCash;
  receiptCount?: number;
  /** Where the report starts in the file (line, or worksheet row), for messages. */
  line: number;
}

export type ZReportEncoding = 'json' | 'csv' | 'xlsx';

export interface ZReportFile {
  format: 'zreport';
  encoding: ZReportEncoding;
  reports: ZReport[];
  warnings: string[];
}

export interface ZReportChecks {
  checks: CheckResult[];
  warnings: string[];
}

/** `Z-00412`. */
export function zLabel(report: Pick<ZReport, 'zNumber'>): string {
  return `Z-${report.zNumber}`;
}
