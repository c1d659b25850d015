/**
 * Deterministic POS receipt rows as a source hands them to the outbox: exact money as decimal
 * strings, naive timestamps already turned into offsets, a free-text note. Every benchmark side
 * gets the same rows from the same seed, so "same data" is literal.
 */
import type { JsonObject, SourceRecord } from '../../agents/api/index.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';

const PRODUCTS = ['Espresso', 'Flat white', 'Croissant', 'Bagel', 'Orange juice', 'Sandwich', 'Muffin', 'Tea'];
const TENDERS = ['cash', 'card', 'voucher'];

export interface ReceiptOptions {
  stream?: string;
  seed?: number;
  /** Pads each row's note to make rows bigger (the 1 GB backlog uses ~1 KB rows). */
  noteBytes?: number;
  /** Offsets receipt ids, so several runs can send different keys to one cloud. */
  firstId?: number;
}

export function receiptRecords(count: number, options: ReceiptOptions = {}): SourceRecord[] {
  const random = seededRandom(options.seed ?? 20261129);
  const stream = options.stream ?? 'receipts';
  const firstId = options.firstId ?? 1;
  const base = Date.parse('2026-11-29T08:00:00.000Z');
  const records: SourceRecord[] = new Array<SourceRecord>(count);
  for (let n = 0; n < count; n += 1) {
    const id = String(firstId + n);
    const totalCents = 100 + Math.floor(random() * 9_900);
    const at = new Date(base + n * 1_000 + Math.floor(random() * 1_000)).toISOString();
    const product = PRODUCTS[Math.floor(random() * PRODUCTS.length)]!;
    const data: JsonObject = {
      receipt_id: id,
      shift_id: String(1 + Math.floor(n / 500)),
      register_id: String(1 + (n % 4)),
      receipt_no: `R-${id.padStart(8, '0')}`,
      total: centsToDecimal(totalCents),
      tax: centsToDecimal(Math.round(totalCents * 0.19)),
      currency: 'EUR',
      tender: TENDERS[Math.floor(random() * TENDERS.length)]!,
      first_item: product,
      created_at: at,
      updated_at: at,
      note: note(random, options.noteBytes ?? 60),
    };
    records[n] = { stream, key: { receipt_id: id }, op: 'upsert', data, capturedAt: at };
  }
  return records;
}

function note(random: () => number, bytes: number): string {
  const words = ['table', 'window', 'takeaway', 'loyalty', 'refund-checked', 'staff', 'split', 'tip'];
  let text = '';
  while (text.length < bytes) text += `${words[Math.floor(random() * words.length)]} `;
  return text.slice(0, bytes);
}

/** Integer cents as an exact decimal string: 1840 → "18.40". */
function centsToDecimal(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** Splits records into consecutive chunks of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
