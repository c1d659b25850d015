/**
 * Duplicate detection inside one batch by a configured business key (invoice number + supplier, for
 * example). Duplicates are reported with both positions and never merged or dropped: which one is right
 * is a bookkeeper's decision. Key values are compared after text cleaning (NFC, trimmed), so "A-1 " and
 * "A-1" are the same key; numbers and strings are not coerced into each other beyond their text form.
 */
import { checkFailure, type CheckFailure } from '../reference/check-failure.ts';
import { cleanText } from './clean-text.ts';

export type DuplicateCode = 'duplicate_key' | 'missing_key';

export interface Duplicate {
  /** Position (0-based) of the first record with this key in the batch. */
  first: number;
  /** Position of the later record repeating it. */
  duplicate: number;
  key: Record<string, string>;
  failure: CheckFailure<DuplicateCode>;
}

export interface MissingKey {
  position: number;
  field: string;
  failure: CheckFailure<DuplicateCode>;
}

export interface DuplicateReport {
  duplicates: Duplicate[];
  /** Records lacking a key field cannot be compared; they are listed rather than silently skipped. */
  missing: MissingKey[];
}

function keyPart(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const cleaned = cleanText(value);
    return cleaned === '' ? undefined : cleaned;
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * @param keyFields the business key's field names (top-level fields of each record)
 * @param batchPath how the batch is named in messages, e.g. "invoices.csv"
 */
export function findDuplicates(records: readonly Record<string, unknown>[], keyFields: readonly string[], batchPath = 'batch'): DuplicateReport {
  if (keyFields.length === 0) throw new Error('findDuplicates needs at least one key field');
  const seen = new Map<string, number>();
  const report: DuplicateReport = { duplicates: [], missing: [] };
  records.forEach((record, position) => {
    const key: Record<string, string> = {};
    for (const field of keyFields) {
      const part = keyPart(record[field]);
      if (part === undefined) {
        const path = `${batchPath}[${position}].${field}`;
        const failure = checkFailure<DuplicateCode>('missing_key', record[field], `record ${position + 1} has no ${field}, part of the business key (${keyFields.join(' + ')}); it cannot be checked for duplicates. Fill it in the source.`, path);
        report.missing.push({ position, field, failure });
        return;
      }
      key[field] = part;
    }
    const identity = JSON.stringify(keyFields.map((field) => key[field]));
    const first = seen.get(identity);
    if (first === undefined) {
      seen.set(identity, position);
      return;
    }
    const shown = keyFields.map((field) => `${field} ${JSON.stringify(key[field])}`).join(', ');
    const failure = checkFailure<DuplicateCode>('duplicate_key', key, `records ${first + 1} and ${position + 1} have the same ${shown}; they are not merged. Keep one, or correct the key of the other.`, `${batchPath}[${position}]`);
    report.duplicates.push({ first, duplicate: position, key, failure });
  });
  return report;
}
