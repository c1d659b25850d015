/** Test-side money: integer cents (exact below 2^53) printed as the decimal text a database stores. */
export function centsText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** 10 % tax on a net amount in cents, rounded half up to the cent (as both POS do for positive sales). */
export function tenPercent(netCents: number): number {
  return Math.floor((netCents + 5) / 10);
}

export interface ShiftExpectation {
  /** The shift's key value (uniCenta `money`, OSPOS `cashup_id`). */
  key: string;
  register: string | null;
  z: string | null;
  receipts: number;
  lines: number;
  netCents: number;
  grossCents: number;
  paymentsCents: number;
  tenders: Record<string, number>;
  /** OSPOS only: counted and expected cash. */
  countedCashCents?: number;
  expectedCashCents?: number;
}
