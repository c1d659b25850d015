/**
 * The demo shop's POS database: stores, registers, shifts with Z numbers, receipts, lines and
 * payments by tender. SQLite keeps exact decimals only as TEXT (a DECIMAL column would turn
 * "18.40" into the REAL 18.4), so money columns are TEXT holding decimal strings, as real tills do.
 * Timestamps are naive local time with microseconds in DATETIME columns, the way most POS databases
 * store them; the agent reads them in the source's configured zone and sends them with an offset.
 */
export const POS_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS stores (
  store_id INTEGER PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL, time_zone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS registers (
  register_id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES stores(store_id), name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS shifts (
  shift_id INTEGER PRIMARY KEY, register_id INTEGER NOT NULL REFERENCES registers(register_id),
  z_number INTEGER, business_day DATE NOT NULL, opened_at DATETIME NOT NULL, closed_at DATETIME,
  opening_float TEXT NOT NULL, expected_cash TEXT, counted_cash TEXT, updated_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS receipts (
  receipt_id INTEGER PRIMARY KEY, shift_id INTEGER NOT NULL REFERENCES shifts(shift_id),
  register_id INTEGER NOT NULL, receipt_no TEXT NOT NULL, total TEXT NOT NULL, tax TEXT NOT NULL,
  currency TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS receipt_lines (
  line_id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL REFERENCES receipts(receipt_id),
  product TEXT NOT NULL, quantity TEXT NOT NULL, unit_price TEXT NOT NULL, line_total TEXT NOT NULL,
  tax_code TEXT NOT NULL, updated_at DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
  payment_id INTEGER PRIMARY KEY, receipt_id INTEGER NOT NULL REFERENCES receipts(receipt_id),
  tender TEXT NOT NULL, amount TEXT NOT NULL, updated_at DATETIME NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_cursor ON receipts(updated_at, receipt_id);
CREATE INDEX IF NOT EXISTS lines_cursor ON receipt_lines(updated_at, line_id);
CREATE INDEX IF NOT EXISTS payments_cursor ON payments(updated_at, payment_id);
CREATE INDEX IF NOT EXISTS shifts_cursor ON shifts(updated_at, shift_id);
`;

/** The streams an agent reads from this database (used by the demo config and the tests). */
export const POS_STREAMS = [
  { name: 'shifts', table: 'shifts', keyColumns: ['shift_id'], cursorColumn: 'updated_at', lane: 'urgent' },
  { name: 'receipts', table: 'receipts', keyColumns: ['receipt_id'], cursorColumn: 'updated_at', lane: 'bulk' },
  { name: 'receipt_lines', table: 'receipt_lines', keyColumns: ['line_id'], cursorColumn: 'updated_at', lane: 'bulk' },
  { name: 'payments', table: 'payments', keyColumns: ['payment_id'], cursorColumn: 'updated_at', lane: 'bulk' },
] as const;
