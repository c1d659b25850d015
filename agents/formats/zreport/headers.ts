/** Column headings of CSV and Excel Z reports → fields (README.md lists them). */
import type { ZField } from './read-report.ts';

const ALIASES: Record<string, ZField> = {
  register: 'register',
  register_id: 'register',
  till: 'register',
  z_number: 'zNumber',
  znumber: 'zNumber',
  z_no: 'zNumber',
  business_day: 'businessDay',
  businessday: 'businessDay',
  opened_at: 'openedAt',
  openedat: 'openedAt',
  closed_at: 'closedAt',
  closedat: 'closedAt',
  currency: 'currency',
  total: 'total',
  receipt_count: 'receiptCount',
  receiptcount: 'receiptCount',
  receipts: 'receiptCount',
  opening_float: 'openingFloat',
  openingfloat: 'openingFloat',
  paid_in: 'paidIn',
  paidin: 'paidIn',
  paid_out: 'paidOut',
  paidout: 'paidOut',
  counted_cash: 'counted',
  countedcash: 'counted',
  cash_counted: 'counted',
};

export type HeaderMeaning = { kind: 'field'; field: ZField } | { kind: 'tender'; name: string } | { kind: 'unknown' };

export function normalizeHeader(text: string): string {
  return text.trim().toLowerCase().replace(/[\s.\-:]+/g, '_');
}

export function headerMeaning(text: string): HeaderMeaning {
  const normalized = normalizeHeader(text);
  const tender = /^tender_(.+)$/.exec(normalized);
  if (tender?.[1] !== undefined) return { kind: 'tender', name: tender[1] };
  const field = ALIASES[normalized];
  return field === undefined ? { kind: 'unknown' } : { kind: 'field', field };
}

/** True when a heading row is a Z report's: it names the register and the Z number. */
export function isZReportHeader(cells: readonly string[]): boolean {
  const fields = new Set(cells.map(headerMeaning).flatMap((m) => (m.kind === 'field' ? [m.field] : [])));
  return fields.has('register') && fields.has('zNumber');
}
