/**
 * A uniCenta oPOS shop in the real uniCenta schema (closedcash, receipts, tickets, ticketlines,
 * taxlines, payments, stockdiary), generated from a seed. Money goes into uniCenta's DOUBLE columns
 * as the POS writes it; the shop keeps its own books in integer cents, so a test can compare what
 * the agent sent with figures that never went through the agent.
 */
import { seededRandom } from '../../../agents/pipeline/seeded-random.ts';
import type { ThrowawayDatabase } from '../databases.ts';
import type { ShiftExpectation } from './money.ts';
import { tenPercent } from './money.ts';

interface OpenShift {
  money: string;
  host: string;
  z: number;
  expectation: ShiftExpectation;
}

const PRODUCTS = [
  { id: 'p-coffee', name: 'Coffee', cents: 290, taxcat: '001' },
  { id: 'p-cake', name: 'Cake', cents: 435, taxcat: '001' },
  { id: 'p-bread', name: 'Bread', cents: 315, taxcat: '000' },
  { id: 'p-juice', name: 'Juice', cents: 199, taxcat: '001' },
  { id: 'p-sandwich', name: 'Sandwich', cents: 725, taxcat: '001' },
];

export class UnicentaShop {
  readonly #db: ThrowawayDatabase;
  readonly #random: () => number;
  readonly #open = new Map<string, OpenShift>();
  readonly #lastZ = new Map<string, number>();
  #ticketId = 1000;

  private constructor(db: ThrowawayDatabase, seed: number) {
    this.#db = db;
    this.#random = seededRandom(seed);
  }

  static async create(db: ThrowawayDatabase, seed: number): Promise<UnicentaShop> {
    const shop = new UnicentaShop(db, seed);
    await db.exec(
      PRODUCTS.map(
        (p, i) =>
          `INSERT INTO products (id, reference, code, name, pricebuy, pricesell, category, taxcat) ` +
          `VALUES ('${p.id}', 'REF${i}', '400000${i}', '${p.name}', ${(p.cents / 200).toFixed(2)}, ${p.cents / 100}, '000', '${p.taxcat}');`,
      ).join('\n'),
    );
    return shop;
  }

  /** Opens the next shift of `host` (Z = last + 1, or `z`). */
  async openShift(host: string, at: string, z?: number): Promise<string> {
    const next = z ?? (this.#lastZ.get(host) ?? 0) + 1;
    const money = this.#uuid();
    await this.#db.exec(`INSERT INTO closedcash (money, host, hostsequence, datestart, dateend, nosales) VALUES ('${money}', '${host}', ${next}, '${at}', NULL, 0);`);
    this.#lastZ.set(host, next);
    this.#open.set(host, {
      money,
      host,
      z: next,
      expectation: { key: money, register: host, z: String(next), receipts: 0, lines: 0, netCents: 0, grossCents: 0, paymentsCents: 0, tenders: {} },
    });
    return money;
  }

  /** Rings up `count` receipts on the open shift of `host`, between `day` 09:00 and 17:00. */
  async sell(host: string, count: number, day: string): Promise<void> {
    const shift = this.#shift(host);
    const sql: string[] = [];
    for (let r = 0; r < count; r += 1) {
      const receipt = this.#uuid();
      const at = `${day} ${String(9 + Math.floor(this.#random() * 8)).padStart(2, '0')}:${String(Math.floor(this.#random() * 60)).padStart(2, '0')}:00`;
      sql.push(`INSERT INTO receipts (id, money, datenew, person) VALUES ('${receipt}', '${shift.money}', '${at}', '0');`);
      sql.push(`INSERT INTO tickets (id, tickettype, ticketid, person, status) VALUES ('${receipt}', 0, ${(this.#ticketId += 1)}, '0', 0);`);
      const base = new Map<string, number>();
      const lines = 1 + Math.floor(this.#random() * 4);
      for (let l = 0; l < lines; l += 1) {
        const product = PRODUCTS[Math.floor(this.#random() * PRODUCTS.length)]!;
        const units = 1 + Math.floor(this.#random() * 3);
        sql.push(
          `INSERT INTO ticketlines (ticket, line, product, units, price, taxid) VALUES ('${receipt}', ${l}, '${product.id}', ${units}, ${product.cents / 100}, '${product.taxcat}');`,
        );
        base.set(product.taxcat, (base.get(product.taxcat) ?? 0) + units * product.cents);
        shift.expectation.lines += 1;
      }
      let gross = 0;
      for (const [taxid, netCents] of base) {
        const taxCents = taxid === '001' ? tenPercent(netCents) : 0;
        sql.push(`INSERT INTO taxlines (id, receipt, taxid, base, amount) VALUES ('${this.#uuid()}', '${receipt}', '${taxid}', ${netCents / 100}, ${taxCents / 100});`);
        shift.expectation.netCents += netCents;
        gross += netCents + taxCents;
      }
      // Most pay in one tender; some split cash and card.
      const split = this.#random() < 0.25 ? Math.floor(gross / 2) : 0;
      const tenders: Array<[string, number]> = split > 0 ? [['cash', split], ['magcard', gross - split]] : [[this.#random() < 0.6 ? 'cash' : 'magcard', gross]];
      for (const [tender, cents] of tenders) {
        sql.push(`INSERT INTO payments (id, receipt, payment, total, tendered) VALUES ('${this.#uuid()}', '${receipt}', '${tender}', ${cents / 100}, ${cents / 100});`);
        shift.expectation.tenders[tender] = (shift.expectation.tenders[tender] ?? 0) + cents;
        shift.expectation.paymentsCents += cents;
      }
      shift.expectation.grossCents += gross;
      shift.expectation.receipts += 1;
    }
    await this.#db.exec(sql.join('\n'));
  }

  /** Deletes the first payment of the open shift of `host` (a till that lost a payment); returns its cents. */
  async losePayment(host: string): Promise<number> {
    const shift = this.#shift(host);
    const rows = await this.#db.query(
      `SELECT p.id, p.payment, p.total FROM payments p JOIN receipts r ON r.id = p.receipt WHERE r.money = '${shift.money}' ORDER BY p.id LIMIT 1`,
    );
    const [id, tender, total] = rows[0]!;
    // The DOUBLE's text (e.g. 4.79) back to the cents this shop wrote.
    const cents = Math.round(Number(total) * 100);
    await this.#db.exec(`DELETE FROM payments WHERE id = '${id}';`);
    shift.expectation.paymentsCents -= cents;
    shift.expectation.tenders[tender!] = (shift.expectation.tenders[tender!] ?? 0) - cents;
    return cents;
  }

  /** Closes the open shift of `host` as uniCenta does: dateend set on it. */
  async closeShift(host: string, at: string): Promise<ShiftExpectation> {
    const shift = this.#shift(host);
    await this.#db.exec(`UPDATE closedcash SET dateend = '${at}' WHERE money = '${shift.money}';`);
    this.#open.delete(host);
    return shift.expectation;
  }

  /** Stock movements of past sales: the bulk backlog a first sync loads. */
  async stockBacklog(rows: number): Promise<void> {
    const values: string[] = [];
    for (let i = 0; i < rows; i += 1) {
      const product = PRODUCTS[i % PRODUCTS.length]!;
      const at = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      values.push(`('sd-${String(i).padStart(7, '0')}', '${at}', -1, '0', '${product.id}', -1, ${product.cents / 100}, '0')`);
    }
    for (let i = 0; i < values.length; i += 1000) {
      await this.#db.exec(`INSERT INTO stockdiary (id, datenew, reason, location, product, units, price, appuser) VALUES ${values.slice(i, i + 1000).join(',\n')};`);
    }
  }

  #shift(host: string): OpenShift {
    const shift = this.#open.get(host);
    if (shift === undefined) throw new Error(`no open shift on ${host}`);
    return shift;
  }

  /** uniCenta keys rows by UUID strings; these are deterministic for a seed. */
  #uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.#random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}
