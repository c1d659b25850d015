/**
 * One closed shift as one document: the shift row, its receipts, lines and payments, the totals and
 * the checks (agents/transforms/shift-close). `balanced: false` when any check failed: such a shift
 * is still sent, marked, never passed off as balanced.
 */
import type { JsonObject, OdbcDocumentConfig } from '../../../api/index.ts';
import { checkShiftClose } from '../../../transforms/shift-close/index.ts';
import type { ShiftCloseCheckResult, ShiftFigures } from '../../../transforms/shift-close/index.ts';
import type { ChildRows } from './child-rows.ts';
import { cellAsText, resolveName } from './row-values.ts';

export interface ShiftDocumentInput {
  config: OdbcDocumentConfig;
  /** The shift row as JSON (column → value) and its exact texts by column name. */
  shift: JsonObject;
  shiftTexts: Record<string, string | null>;
  register: string | null;
  z: string | null;
  closedAt: string | null;
  receipts?: ChildRows;
  lines?: ChildRows;
  payments?: ChildRows;
}

export interface ShiftDocument {
  data: JsonObject;
  result: ShiftCloseCheckResult;
}

export function buildShiftDocument(input: ShiftDocumentInput): ShiftDocument {
  const { config } = input;
  const figures: ShiftFigures = {};
  if (input.receipts !== undefined && config.receipts !== undefined) {
    const rows = input.receipts;
    const id = column(rows, config.receipts.idColumn);
    const total = column(rows, config.receipts.totalColumn);
    const linesTotal = config.receipts.linesTotalColumn === undefined ? undefined : column(rows, config.receipts.linesTotalColumn);
    figures.receipts = rows.rows.map((row) => ({
      id: cellAsText(row[id]) ?? '',
      total: cellAsText(row[total]),
      ...(linesTotal === undefined ? {} : { linesTotal: cellAsText(row[linesTotal]) }),
    }));
  }
  if (input.lines !== undefined && config.lines !== undefined) {
    const rows = input.lines;
    const receipt = column(rows, config.lines.receiptColumn);
    const total = column(rows, config.lines.totalColumn);
    figures.lines = rows.rows.map((row) => ({ receipt: cellAsText(row[receipt]), total: cellAsText(row[total]) }));
  }
  if (input.payments !== undefined && config.payments !== undefined) {
    const rows = input.payments;
    const receipt = config.payments.receiptColumn === undefined ? undefined : column(rows, config.payments.receiptColumn);
    const tender = column(rows, config.payments.tenderColumn);
    const amount = column(rows, config.payments.amountColumn);
    figures.payments = rows.rows.map((row) => ({
      ...(receipt === undefined ? {} : { receipt: cellAsText(row[receipt]) }),
      tender: cellAsText(row[tender]),
      amount: cellAsText(row[amount]),
    }));
  }
  if (config.cash !== undefined) {
    const cash = config.cash;
    const shiftText = (name: string) => input.shiftTexts[resolveName(Object.keys(input.shiftTexts), name) ?? name] ?? null;
    figures.cash = {
      counted: shiftText(cash.countedColumn),
      opening: cash.openingColumns.map((name) => ({ name, value: shiftText(name) })),
      ...(cash.expectedColumn === undefined ? {} : { expected: shiftText(cash.expectedColumn) }),
      cashTenders: cash.cashTenders,
      tolerance: cash.tolerance,
    };
  }
  const result = checkShiftClose(figures, {
    ...(config.currency === undefined ? {} : { currency: config.currency }),
    ...(config.decimals === undefined ? {} : { decimals: config.decimals }),
  });
  const data: JsonObject = {
    register: input.register,
    zNumber: input.z,
    closedAt: input.closedAt,
    shift: input.shift,
  };
  if (input.receipts !== undefined) data.receipts = input.receipts.rows;
  if (input.lines !== undefined) data.lines = input.lines.rows;
  if (input.payments !== undefined) data.payments = input.payments.rows;
  data.totals = result.totals;
  data.checks = result.checks;
  data.balanced = result.balanced;
  return { data, result };
}

/** The configured column as the rows spell it (child-rows.ts already refused a missing one). */
function column(rows: ChildRows, configured: string): string {
  return resolveName(rows.columns, configured) ?? configured;
}
