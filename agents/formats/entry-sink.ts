import type { StatementHeader } from './checks.ts';
import type { Entry } from './model.ts';

/**
 * Where a streaming parser hands its entries instead of keeping them (parse-stream.ts). Statement
 * indexes count from 0 in the order statements are first seen in the file.
 */
export interface EntrySink {
  /**
   * A statement's header, once, before its first entry, with what is known by then: CAMT gives
   * its account, period and stated balances; a CSV statement (one per account and currency) gets
   * its opening and closing balances only at the end of the file, in the final report.
   */
  onStatement?: (statement: StatementHeader, index: number) => void;
  /** One booked entry, as soon as it is parsed; the parser keeps no reference to it. */
  onEntry: (entry: Entry, statementIndex: number) => void;
}
