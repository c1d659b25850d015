/**
 * The one normalized model every bank/POS file parser produces (DESIGN.md §3 formats/).
 * Money is an exact decimal string, never a JS number (DESIGN.md §4.4); dates are `YYYY-MM-DD`.
 */

export type FormatName = 'ofx' | 'camt.052' | 'camt.053' | 'camt.054' | 'mt940' | 'mt942' | 'bai2' | 'csv' | 'xlsx';

export interface Money {
  /** Exact decimal string, minus sign for a debit balance: `"-12.50"`. */
  amount: string;
  /** ISO 4217 code, upper case. */
  currency: string;
  date?: string;
  /**
   * The bank's own code for this balance (`OPBD`, `PRCD`, `CLBD`, `60F`, `60M`, `62F`, `62M`,
   * `LEDGERBAL`, BAI2 `010`/`015`, `csv-running-balance`), so a reader can tell a booked
   * statement balance from an intermediate page balance.
   */
  kind?: string;
}

export type CreditDebit = 'credit' | 'debit';

export interface Entry {
  /** YYYY-MM-DD. */
  bookingDate: string;
  valueDate?: string;
  /** Signed exact decimal string: negative for debits. */
  amount: string;
  currency: string;
  creditDebit: CreditDebit;
  counterparty?: string;
  counterpartyAccount?: string;
  /** The bank's own reference: OFX FITID, CAMT AcctSvcrRef, BAI2 bank reference, MT940 `//` reference. */
  bankReference?: string;
  remittance?: string;
  /**
   * Business dedupe key: from the bank's reference when it has one that is unique in the statement,
   * otherwise a digest of account + date + amount + text + ordinal (see entry-key.ts).
   */
  entryKey: string;
}

export interface Statement {
  format: FormatName;
  accountId: string;
  iban?: string;
  currency: string;
  periodStart?: string;
  periodEnd?: string;
  openingBalance?: Money;
  closingBalance?: Money;
  statementNumber?: string;
  sequenceNumber?: string;
  entries: Entry[];
  warnings: string[];
}

export interface ParsedFile {
  format: FormatName;
  statements: Statement[];
  /** File-level warnings (encoding guessed, records ignored…); statement warnings stay on the statement. */
  warnings: string[];
  /** Control totals stated inside the file itself (BAI2 trailers, MT942 :90D:/:90C:), checked by checks.ts. */
  controlTotals?: ControlTotal[];
}

/** A total or count the file states about itself, with what the parser counted. */
export interface ControlTotal {
  /** e.g. `BAI2 account trailer (49) for account 1111111, line 14`. */
  name: string;
  /** Amount stated by the file (exact decimal), if any. */
  statedAmount?: string;
  computedAmount?: string;
  statedCount?: number;
  computedCount?: number;
  currency?: string;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface CheckResult {
  name: string;
  /** True only when the check ran and held; a skipped check is neither passed nor failed (see `status`). */
  passed: boolean;
  status: CheckStatus;
  /** Words and figures: "closing balance 1,234.50 EUR expected, entries add up to 1,230.00 EUR: difference 4.50". */
  message: string;
}
