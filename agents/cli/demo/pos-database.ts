import Database from 'better-sqlite3';
import { POS_SCHEMA_SQL } from './pos-schema.ts';
import { between, centsToDecimal, pick } from './random.ts';
import { seededRandom } from '../../pipeline/seeded-random.ts';

const PRODUCTS: ReadonlyArray<{ name: string; cents: number; taxCode: string }> = [
  { name: 'Espresso', cents: 240, taxCode: 'VAT7' },
  { name: 'Cappuccino', cents: 380, taxCode: 'VAT7' },
  { name: 'Croissant', cents: 210, taxCode: 'VAT7' },
  { name: 'Bagel (smoked salmon)', cents: 650, taxCode: 'VAT7' },
  { name: 'Crème brûlée', cents: 495, taxCode: 'VAT7' },
  { name: 'Matcha 抹茶 latte', cents: 450, taxCode: 'VAT7' },
  { name: 'Gift card', cents: 2500, taxCode: 'EXEMPT' },
  { name: 'Coffee beans 1 kg', cents: 2890, taxCode: 'VAT19' },
];
const TENDERS = ['cash', 'card', 'card', 'card', 'voucher'] as const;

export interface PosDatabaseOptions {
  seed: number;
  stores?: number;
  registersPerStore?: number;
  /** Closed shifts of history to generate per register before the open one. */
  closedShiftsPerRegister?: number;
  receiptsPerShift?: number;
  /** Local wall-clock start of the history, naive `YYYY-MM-DD HH:MM:SS`. */
  startAt?: string;
}

/**
 * A realistic demo/test POS database, generated from a seed. `PosActivity` keeps it alive: new
 * receipts, shifts closing with the next Z number. All writes go through better-sqlite3; the agent
 * reads the file over ODBC like any other till database.
 */
export class PosActivity {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly random: () => number;
  /** Simulated local time in ms (naive, treated as UTC arithmetic and printed without zone). */
  private nowMs: number;

  private constructor(path: string, random: () => number, startMs: number) {
    this.path = path;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(POS_SCHEMA_SQL);
    this.random = random;
    this.nowMs = startMs;
  }

  static create(path: string, options: PosDatabaseOptions): PosActivity {
    const start = Date.parse(`${(options.startAt ?? '2026-11-23 08:00:00').replace(' ', 'T')}Z`);
    const activity = new PosActivity(path, seededRandom(options.seed), start);
    activity.populate(options);
    return activity;
  }

  private populate(options: PosDatabaseOptions): void {
    const stores = options.stores ?? 2;
    const registers = options.registersPerStore ?? 2;
    const closed = options.closedShiftsPerRegister ?? 2;
    const perShift = options.receiptsPerShift ?? 15;
    this.db.transaction(() => {
      for (let s = 1; s <= stores; s += 1) {
        this.db
          .prepare('INSERT INTO stores VALUES (?, ?, ?, ?)')
          .run(s, `Café Nord ${s}`, 'EUR', 'Europe/Berlin');
        for (let r = 1; r <= registers; r += 1) {
          this.db.prepare('INSERT INTO registers VALUES (?, ?, ?)').run(s * 100 + r, s, `Till ${r}`);
        }
      }
    })();
    for (const registerId of this.registerIds()) {
      for (let i = 0; i < closed; i += 1) {
        this.openShift(registerId);
        this.addReceipts(perShift, registerId);
        this.closeShift(registerId);
      }
      this.openShift(registerId);
      this.addReceipts(Math.ceil(perShift / 3), registerId);
    }
  }

  registerIds(): number[] {
    return this.db
      .prepare('SELECT register_id FROM registers ORDER BY register_id')
      .pluck()
      .all() as number[];
  }

  /** Adds `count` receipts (lines and payments included) on the given or a random register's open shift. */
  addReceipts(count: number, registerId?: number): number[] {
    const ids: number[] = [];
    this.db.transaction(() => {
      for (let i = 0; i < count; i += 1) {
        const register = registerId ?? pick(this.random, this.registerIds());
        const shift = this.openShiftOf(register) ?? this.openShift(register);
        ids.push(this.insertReceipt(register, shift));
      }
    })();
    return ids;
  }

  private insertReceipt(registerId: number, shiftId: number): number {
    const at = this.tick(between(this.random, 20, 400) * 1000);
    const lineCount = between(this.random, 1, 4);
    let totalCents = 0;
    let taxCents = 0;
    const lines = Array.from({ length: lineCount }, () => {
      const product = pick(this.random, PRODUCTS);
      const quantity = between(this.random, 1, 3);
      const lineCents = product.cents * quantity;
      totalCents += lineCents;
      const rate = product.taxCode === 'VAT19' ? 19 : product.taxCode === 'VAT7' ? 7 : 0;
      taxCents += Math.round((lineCents * rate) / (100 + rate));
      return { product, quantity, lineCents };
    });
    const receiptNo = `R${registerId}-${String(this.count('receipts') + 1).padStart(6, '0')}`;
    const receipt = this.db
      .prepare(
        'INSERT INTO receipts (shift_id, register_id, receipt_no, total, tax, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(shiftId, registerId, receiptNo, centsToDecimal(totalCents), centsToDecimal(taxCents), 'EUR', at, at);
    const receiptId = Number(receipt.lastInsertRowid);
    for (const line of lines) {
      this.db
        .prepare(
          'INSERT INTO receipt_lines (receipt_id, product, quantity, unit_price, line_total, tax_code, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(receiptId, line.product.name, `${line.quantity}.000`, centsToDecimal(line.product.cents), centsToDecimal(line.lineCents), line.product.taxCode, at);
    }
    this.db
      .prepare('INSERT INTO payments (receipt_id, tender, amount, updated_at) VALUES (?, ?, ?, ?)')
      .run(receiptId, pick(this.random, TENDERS), centsToDecimal(totalCents), at);
    return receiptId;
  }

  openShift(registerId: number): number {
    const at = this.tick(60_000);
    const result = this.db
      .prepare(
        'INSERT INTO shifts (register_id, business_day, opened_at, opening_float, updated_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(registerId, at.slice(0, 10), at, '150.00', at);
    return Number(result.lastInsertRowid);
  }

  /** Closes the register's open shift with the next Z number; counted cash differs from expected now and then. */
  closeShift(registerId: number): { shiftId: number; zNumber: number; expectedCash: string; countedCash: string } | null {
    const shiftId = this.openShiftOf(registerId);
    if (shiftId === undefined) return null;
    const at = this.tick(120_000);
    const lastZ = this.db.prepare('SELECT MAX(z_number) FROM shifts WHERE register_id = ?').pluck().get(registerId) as number | null;
    const zNumber = (lastZ ?? 400) + 1;
    const cashCents = this.db
      .prepare(
        `SELECT COALESCE(SUM(CAST(REPLACE(p.amount, '.', '') AS INTEGER)), 0) FROM payments p
         JOIN receipts r ON r.receipt_id = p.receipt_id WHERE r.shift_id = ? AND p.tender = 'cash'`,
      )
      .pluck()
      .get(shiftId) as number;
    const expected = 15_000 + cashCents;
    const counted = expected + (this.random() < 0.25 ? between(this.random, -500, 200) : 0);
    this.db
      .prepare('UPDATE shifts SET z_number = ?, closed_at = ?, expected_cash = ?, counted_cash = ?, updated_at = ? WHERE shift_id = ?')
      .run(zNumber, at, centsToDecimal(expected), centsToDecimal(counted), at, shiftId);
    return { shiftId, zNumber, expectedCash: centsToDecimal(expected), countedCash: centsToDecimal(counted) };
  }

  /** Rows per table, for the demo's printout and the tests' reconciliation. */
  count(table: 'shifts' | 'receipts' | 'receipt_lines' | 'payments'): number {
    return this.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  }

  close(): void {
    this.db.close();
  }

  private openShiftOf(registerId: number): number | undefined {
    return this.db
      .prepare('SELECT shift_id FROM shifts WHERE register_id = ? AND closed_at IS NULL ORDER BY shift_id DESC LIMIT 1')
      .pluck()
      .get(registerId) as number | undefined;
  }

  /** Advances the simulated clock and returns the naive local timestamp with microseconds. */
  private tick(ms: number): string {
    this.nowMs += ms;
    const micros = String(between(this.random, 0, 999_999)).padStart(6, '0');
    return `${new Date(this.nowMs).toISOString().slice(0, 19).replace('T', ' ')}.${micros}`;
  }
}
