import { createHash } from 'node:crypto';

export interface KeyableEntry {
  bookingDate: string;
  amount: string;
  currency: string;
  bankReference?: string | undefined;
  counterparty?: string | undefined;
  remittance?: string | undefined;
}

/**
 * Business dedupe keys for the entries of one statement (issue 4, item 4). An overlapping
 * re-download of the same account gives the same keys, so entries already sent are recognised.
 *
 * - With a bank reference (FITID, AcctSvcrRef, BAI2 bank reference, MT940 `//` reference) the key
 *   is `ref:<account>:<reference>`.
 * - Without one, or when the bank repeats a reference inside one statement (then the reference
 *   does not identify the entry and trusting it would drop a real entry), the key is a digest of
 *   account, date, amount, currency and text plus an ordinal: two identical coffees on one day stay
 *   two entries, and stay the same two keys when the file is downloaded again.
 */
export class EntryKeyer {
  private readonly accountId: string;
  private readonly seenReferences = new Set<string>();
  private readonly ordinals = new Map<string, number>();
  /** References that appeared more than once; the caller turns them into a warning. */
  readonly repeatedReferences = new Set<string>();

  constructor(accountId: string) {
    this.accountId = accountId;
  }

  keyFor(entry: KeyableEntry): string {
    const ref = entry.bankReference?.trim();
    if (ref !== undefined && ref !== '') {
      if (!this.seenReferences.has(ref)) {
        this.seenReferences.add(ref);
        return `ref:${this.accountId}:${ref}`;
      }
      this.repeatedReferences.add(ref);
    }
    const text = [entry.counterparty ?? '', entry.remittance ?? '', ref ?? ''].join('\u001f').replace(/\s+/g, ' ').trim();
    const tuple = JSON.stringify([this.accountId, entry.bookingDate, stripTrailingZeros(entry.amount), entry.currency, text]);
    const digest = createHash('sha256').update(tuple).digest('hex').slice(0, 32);
    // Only the short digest is remembered, not the text: a million rows stay a few tens of MB.
    const ordinal = this.ordinals.get(digest) ?? 0;
    this.ordinals.set(digest, ordinal + 1);
    return ordinal === 0 ? `digest:${digest}` : `digest:${createHash('sha256').update(`${digest}#${ordinal}`).digest('hex').slice(0, 32)}`;
  }

  /** A warning for the statement when references repeated, else undefined. */
  repeatedReferenceWarning(): string | undefined {
    if (this.repeatedReferences.size === 0) return undefined;
    const sample = [...this.repeatedReferences].slice(0, 3).join(', ');
    return (
      `Account ${this.accountId}: the bank reference ${sample}${this.repeatedReferences.size > 3 ? ' (and others)' : ''} ` +
      'appears on more than one entry; those entries are told apart by their content instead.'
    );
  }
}

function stripTrailingZeros(amount: string): string {
  return amount.includes('.') ? amount.replace(/\.?0+$/, '') : amount;
}
