import { createHash } from 'node:crypto';
import { newOccurrenceCounter } from './occurrence-counter.ts';

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
  /** How often each reference and each content digest was seen, as hashes (occurrence-counter.ts). */
  private readonly seenReferences = newOccurrenceCounter();
  private readonly ordinals = newOccurrenceCounter();
  /** References that appeared more than once; the caller turns them into a warning. */
  readonly repeatedReferences = new Set<string>();

  constructor(accountId: string) {
    this.accountId = accountId;
  }

  keyFor(entry: KeyableEntry): string {
    const ref = entry.bankReference?.trim();
    if (ref !== undefined && ref !== '') {
      if (this.seenReferences.incrementText(ref) === 0) return `ref:${this.accountId}:${ref}`;
      this.repeatedReferences.add(detached(ref));
    }
    const text = [entry.counterparty ?? '', entry.remittance ?? '', ref ?? ''].join('\u001f').replace(/\s+/g, ' ').trim();
    const tuple = JSON.stringify([this.accountId, entry.bookingDate, stripTrailingZeros(entry.amount), entry.currency, text]);
    const digest = createHash('sha256').update(tuple).digest('hex').slice(0, 32);
    // Only a hash of the digest is remembered, not the text: a million rows stay about 16 MB.
    const ordinal = this.ordinals.incrementHex(digest);
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

/**
 * A copy of `text` that does not share memory with the text it was cut from. A reference sliced
 * out of a parser's buffer keeps that whole buffer alive for as long as the set remembers it.
 * Slicing a concatenation forces V8 to flatten it into a fresh string first.
 */
function detached(text: string): string {
  return `${text} `.slice(0, -1);
}
