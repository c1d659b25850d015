/**
 * An Open Source Point of Sale shop in the real OSPOS 3.3 schema (ospos_cash_up, ospos_sales,
 * ospos_sales_items, ospos_sales_taxes, ospos_sales_payments), generated from a seed. A cash-up
 * covers the sales between its open and close time, as OSPOS's own cash-up screen counts them.
 * Times are written in UTC (`time_zone = '+00:00'`), as the agent's session reads them.
 */
import { seededRandom } from '../../../agents/pipeline/seeded-random.ts';
import type { ThrowawayDatabase } from '../databases.ts';
import type { ShiftExpectation } from './money.ts';
import { centsText, tenPercent } from './money.ts';

const ITEMS = [
  { id: 1, name: 'Notebook', cents: 349 },
  { id: 2, name: 'Pen', cents: 125 },
  { id: 3, name: 'Stapler', cents: 1299 },
  { id: 4, name: 'Folder', cents: 275 },
];

interface OpenCashup {
  id: number;
  openCashCents: number;
  transferCents: number;
  expectation: ShiftExpectation;
}

export class OsposShop {
  readonly #db: ThrowawayDatabase;
  readonly #random: () => number;
  readonly #open = new Map<number, OpenCashup>();
  #saleId = 0;
  #cashupId = 0;

  private constructor(db: ThrowawayDatabase, seed: number) {
    this.#db = db;
    this.#random = seededRandom(seed);
  }

  static async create(db: ThrowawayDatabase, seed: number): Promise<OsposShop> {
    await db.exec(
      ITEMS.map(
        (item) =>
          'INSERT INTO ospos_items (item_id, name, category, description, cost_price, unit_price, allow_alt_description, is_serialized) ' +
          `VALUES (${item.id}, '${item.name}', 'Office', '', ${centsText(Math.floor(item.cents / 2))}, ${centsText(item.cents)}, 0, 0);`,
      ).join('\n'),
    );
    return new OsposShop(db, seed);
  }

  async openCashup(at: string, openCashCents: number, transferCents = 0): Promise<number> {
    const id = (this.#cashupId += 1);
    await this.#exec(
      'INSERT INTO ospos_cash_up (cashup_id, open_date, close_date, open_amount_cash, transfer_amount_cash, note, closed_amount_cash, ' +
        'closed_amount_card, closed_amount_check, closed_amount_total, description, open_employee_id, close_employee_id, closed_amount_due) ' +
        `VALUES (${id}, '${at}', NULL, ${centsText(openCashCents)}, ${centsText(transferCents)}, 0, 0, 0, 0, 0, '', 1, 1, 0);`,
    );
    this.#open.set(id, {
      id,
      openCashCents,
      transferCents,
      expectation: { key: String(id), register: null, z: null, receipts: 0, lines: 0, netCents: 0, grossCents: 0, paymentsCents: 0, tenders: {} },
    });
    return id;
  }

  /** Sales at `times` (inside the cash-up's window), each with 1–3 items, paid in cash or by card. */
  async sell(cashupId: number, times: string[]): Promise<void> {
    const cashup = this.#cashup(cashupId);
    const sql: string[] = [];
    for (const at of times) {
      const saleId = (this.#saleId += 1);
      sql.push(`INSERT INTO ospos_sales (sale_id, sale_time, employee_id, comment, sale_status, sale_type) VALUES (${saleId}, '${at}', 1, '', 0, 0);`);
      let net = 0;
      const lines = 1 + Math.floor(this.#random() * 3);
      for (let line = 1; line <= lines; line += 1) {
        const item = ITEMS[Math.floor(this.#random() * ITEMS.length)]!;
        const quantity = 1 + Math.floor(this.#random() * 4);
        sql.push(
          'INSERT INTO ospos_sales_items (sale_id, item_id, description, line, quantity_purchased, item_cost_price, item_unit_price, discount, item_location) ' +
            `VALUES (${saleId}, ${item.id}, '${item.name}', ${line}, ${quantity}, ${centsText(Math.floor(item.cents / 2))}, ${centsText(item.cents)}, 0, 1);`,
        );
        net += quantity * item.cents;
        cashup.expectation.lines += 1;
      }
      const tax = tenPercent(net);
      sql.push(
        'INSERT INTO ospos_sales_taxes (sale_id, tax_type, tax_group, sale_tax_basis, sale_tax_amount, print_sequence, name, tax_rate) ' +
          `VALUES (${saleId}, 1, '10% VAT', ${centsText(net)}, ${centsText(tax)}, 0, 'VAT', 10);`,
      );
      const gross = net + tax;
      const tender = this.#random() < 0.5 ? 'Cash' : 'Credit Card';
      sql.push(`INSERT INTO ospos_sales_payments (sale_id, payment_type, payment_amount) VALUES (${saleId}, '${tender}', ${centsText(gross)});`);
      cashup.expectation.tenders[tender] = (cashup.expectation.tenders[tender] ?? 0) + gross;
      cashup.expectation.paymentsCents += gross;
      cashup.expectation.netCents += net;
      cashup.expectation.grossCents += gross;
      cashup.expectation.receipts += 1;
    }
    await this.#exec(sql.join('\n'));
  }

  /** Closes the cash-up with the drawer counted at expected + `countedDeltaCents` (negative: short). */
  async closeCashup(cashupId: number, at: string, countedDeltaCents = 0): Promise<ShiftExpectation> {
    const cashup = this.#cashup(cashupId);
    const expected = cashup.openCashCents + cashup.transferCents + (cashup.expectation.tenders.Cash ?? 0);
    const counted = expected + countedDeltaCents;
    const card = cashup.expectation.tenders['Credit Card'] ?? 0;
    await this.#exec(
      `UPDATE ospos_cash_up SET close_date = '${at}', closed_amount_cash = ${centsText(counted)}, closed_amount_card = ${centsText(card)}, ` +
        `closed_amount_total = ${centsText(counted + card)} WHERE cashup_id = ${cashupId};`,
    );
    this.#open.delete(cashupId);
    return { ...cashup.expectation, countedCashCents: counted, expectedCashCents: expected };
  }

  #cashup(id: number): OpenCashup {
    const cashup = this.#open.get(id);
    if (cashup === undefined) throw new Error(`no open cash-up ${id}`);
    return cashup;
  }

  #exec(sql: string): Promise<void> {
    return this.#db.exec(`SET time_zone = '+00:00';\n${sql}`);
  }
}
