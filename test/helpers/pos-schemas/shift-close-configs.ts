/**
 * Document configurations for the real POS schemas, as an admin would write them: uniCenta
 * (PostgreSQL) keeps money in DOUBLE columns and receipt totals in taxlines; OSPOS (MariaDB) links
 * sales to a cash-up only by time and counts the drawer in the cash-up row.
 */
import type { OdbcDocumentSchema } from '../../../agents/api/index.ts';
import type { z } from 'zod';

type DocumentInput = z.input<typeof OdbcDocumentSchema>;

export const UNICENTA_SHIFT_CLOSE: DocumentInput = {
  name: 'shift_close',
  currency: 'EUR',
  decimals: 2,
  shift: {
    table: 'closedcash',
    keyColumns: ['money'],
    registerColumn: 'host',
    zNumberColumn: 'hostsequence',
    closedWhen: { type: 'closeColumnSet', column: 'dateend' },
  },
  receipts: {
    sql:
      'SELECT r.id, t.ticketid, r.datenew, r.person, ROUND(CAST(SUM(x.base) AS numeric), 2) AS net, ' +
      'ROUND(CAST(SUM(x.base + x.amount) AS numeric), 2) AS total ' +
      'FROM receipts r JOIN tickets t ON t.id = r.id JOIN taxlines x ON x.receipt = r.id ' +
      'WHERE r.money = ? GROUP BY r.id, t.ticketid, r.datenew, r.person',
    idColumn: 'id',
    totalColumn: 'total',
    linesTotalColumn: 'net',
  },
  lines: {
    sql:
      'SELECT l.ticket AS receipt, l.line, l.product, l.units, l.price, l.taxid, ROUND(CAST(l.units * l.price AS numeric), 2) AS net ' +
      'FROM ticketlines l JOIN receipts r ON r.id = l.ticket WHERE r.money = ?',
    receiptColumn: 'receipt',
    totalColumn: 'net',
  },
  payments: {
    sql:
      'SELECT p.id, p.receipt, p.payment AS tender, ROUND(CAST(p.total AS numeric), 2) AS amount ' +
      'FROM payments p JOIN receipts r ON r.id = p.receipt WHERE r.money = ?',
    receiptColumn: 'receipt',
    tenderColumn: 'tender',
    amountColumn: 'amount',
  },
};

const OSPOS_WINDOW = 'FROM ospos_sales s WHERE s.sale_time >= ? AND s.sale_time < ? AND s.sale_status = 0';

export const OSPOS_CASH_UP: DocumentInput = {
  name: 'cash_up',
  currency: 'EUR',
  shift: {
    table: 'ospos_cash_up',
    keyColumns: ['cashup_id'],
    closedWhen: { type: 'closeColumnSet', column: 'close_date' },
  },
  receipts: {
    sql:
      'SELECT s.sale_id, s.sale_time, s.employee_id, ROUND(SUM(t.sale_tax_basis), 2) AS net, ' +
      'ROUND(SUM(t.sale_tax_basis + t.sale_tax_amount), 2) AS total ' +
      `${OSPOS_WINDOW.replace('FROM ospos_sales s', 'FROM ospos_sales s JOIN ospos_sales_taxes t ON t.sale_id = s.sale_id')} ` +
      'GROUP BY s.sale_id, s.sale_time, s.employee_id',
    parameters: ['open_date', 'close_date'],
    idColumn: 'sale_id',
    totalColumn: 'total',
    linesTotalColumn: 'net',
  },
  lines: {
    sql:
      'SELECT i.sale_id, i.line, i.item_id, i.description, i.quantity_purchased, i.item_unit_price, i.discount, ' +
      'ROUND(i.quantity_purchased * i.item_unit_price * (100 - i.discount) / 100, 2) AS net ' +
      `${OSPOS_WINDOW.replace('FROM ospos_sales s', 'FROM ospos_sales_items i JOIN ospos_sales s ON s.sale_id = i.sale_id')}`,
    parameters: ['open_date', 'close_date'],
    receiptColumn: 'sale_id',
    totalColumn: 'net',
  },
  payments: {
    sql:
      'SELECT p.sale_id, p.payment_type, p.payment_amount ' +
      `${OSPOS_WINDOW.replace('FROM ospos_sales s', 'FROM ospos_sales_payments p JOIN ospos_sales s ON s.sale_id = p.sale_id')}`,
    parameters: ['open_date', 'close_date'],
    receiptColumn: 'sale_id',
    tenderColumn: 'payment_type',
    amountColumn: 'payment_amount',
  },
  cash: {
    countedColumn: 'closed_amount_cash',
    openingColumns: ['open_amount_cash', 'transfer_amount_cash'],
    cashTenders: ['Cash'],
  },
};
