import type { RecordKey } from './records.ts';

/**
 * What the Shifts screen shows of a shift close a database source sent as one document
 * (sources/odbc/documents): written by the outbox in the transaction that queues the document, so
 * the screen lists exactly the shifts that were captured, before and after they are delivered
 * (the document's own data leaves the outbox once the cloud has it).
 */
export interface ShiftCloseSummary {
  /** The document record's key (the shift's key columns). */
  key: RecordKey;
  /** '' when the shift table has no register column. */
  register: string;
  /** The Z number as the POS keeps it, or null when it keeps none. */
  z: string | null;
  /** RFC 3339 with the source's offset; null when the close has no time column (the capture time is shown). */
  closedAt: string | null;
  currency: string | null;
  total: string | null;
  overShort: string | null;
  balanced: boolean;
}
