/**
 * Bank statements → outbox records. Entries are keyed by `{account, entryKey}` (the bank's own
 * reference when it has one) and carry only what the bank said about them: the same entry in an
 * overlapping re-download (a new file, another period) yields the same content version, so the
 * cloud recognises it and applies it once (issue 4, item 4). That is why entries do not name their
 * file or statement; the statement record and the file record do.
 */
import type { JsonObject, SourceRecord } from '../../api/index.ts';
import type { CheckResult, Entry, Money, Statement } from '../../formats/index.ts';
import type { SourceFileRef } from './source-file.ts';

/** Which statement of its account this is, stable across re-downloads of the same statement. */
export function statementId(statement: Statement): string {
  if (statement.statementNumber !== undefined) {
    // CAMT without a legal sequence number repeats the electronic one as the statement number.
    const { statementNumber: number, sequenceNumber: page } = statement;
    return page === undefined || page === number ? number : `${number}/${page}`;
  }
  if (statement.sequenceNumber !== undefined) return `seq ${statement.sequenceNumber}`;
  const from = statement.periodStart ?? statement.openingBalance?.date ?? '';
  const to = statement.periodEnd ?? statement.closingBalance?.date ?? '';
  return `${from}..${to}`;
}

export function statementRecord(input: {
  stream: string;
  statement: Statement;
  /** For a statement whose entries were streamed and not kept (a large file): how many it has. */
  entryCount?: number;
  checks: readonly CheckResult[];
  sourceFile: SourceFileRef;
  capturedAt: string;
}): SourceRecord {
  const { statement } = input;
  const data: JsonObject = {
    format: statement.format,
    accountId: statement.accountId,
    currency: statement.currency,
    entryCount: String(input.entryCount ?? statement.entries.length),
    checks: input.checks.map((c) => ({ name: c.name, status: c.status, message: c.message })),
    warnings: statement.warnings,
    sourceFile: { sha256: input.sourceFile.sha256, name: input.sourceFile.name },
  };
  copy(data, statement, ['iban', 'periodStart', 'periodEnd', 'statementNumber', 'sequenceNumber']);
  if (statement.openingBalance !== undefined) data.openingBalance = money(statement.openingBalance);
  if (statement.closingBalance !== undefined) data.closingBalance = money(statement.closingBalance);
  return { stream: input.stream, key: { account: statement.accountId, statement: statementId(statement) }, op: 'upsert', data, capturedAt: input.capturedAt };
}

export function entryRecord(input: { stream: string; accountId: string; entry: Entry; capturedAt: string }): SourceRecord {
  const { entry } = input;
  const data: JsonObject = {
    accountId: input.accountId,
    entryKey: entry.entryKey,
    bookingDate: entry.bookingDate,
    amount: entry.amount,
    currency: entry.currency,
    creditDebit: entry.creditDebit,
  };
  copy(data, entry, ['valueDate', 'counterparty', 'counterpartyAccount', 'bankReference', 'remittance']);
  return { stream: input.stream, key: { account: input.accountId, entryKey: entry.entryKey }, op: 'upsert', data, capturedAt: input.capturedAt };
}

function money(value: Money): JsonObject {
  const out: JsonObject = { amount: value.amount, currency: value.currency };
  if (value.date !== undefined) out.date = value.date;
  if (value.kind !== undefined) out.kind = value.kind;
  return out;
}

function copy<T extends object>(target: JsonObject, source: T, keys: ReadonlyArray<keyof T & string>): void {
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string') target[key] = value;
  }
}
