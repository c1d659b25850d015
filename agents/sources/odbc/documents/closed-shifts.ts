/**
 * Finds the next closed shift not sent yet, reading only the close, key, register and Z columns.
 *
 * - `closeColumnSet`: shifts whose close column is set, after the floor, in (close, key) order,
 *   skipping those in `recent`; at most recent+1 small rows per look.
 * - `zNumberIncrements`: per register, the lowest Z above the last one sent; with `latestIsOpen`,
 *   only below the register's highest Z (the highest is the shift still running).
 */
import type { OdbcDocumentConfig } from '../../../api/index.ts';
import type { Dialect } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { cellText } from '../value-convert.ts';
import type { DocumentState, ShiftPosition } from './document-state.ts';
import { samePosition } from './document-state.ts';
import { quote } from './query-columns.ts';
import type { PlannedColumn, ShiftPlan } from './shift-plan.ts';

/** Register name used in `lastZ` when the shift table has no register column. */
export const SINGLE_REGISTER = '*';

export interface ClosedShift {
  /** Exact texts of the key columns (in config order). */
  key: string[];
  /** `[closeText, ...key]` in `closeColumnSet` mode, `key` otherwise. */
  position: ShiftPosition;
  register: string;
  z: string | null;
}

export interface FindRequest {
  connection: OdbcConnection;
  dialect: Dialect;
  plan: ShiftPlan;
  config: OdbcDocumentConfig['shift'];
  state: DocumentState;
}

export async function findClosedShift(request: FindRequest): Promise<ClosedShift | null> {
  return request.config.closedWhen.type === 'closeColumnSet' ? findByCloseColumn(request) : findByZNumber(request);
}

async function findByCloseColumn(request: FindRequest): Promise<ClosedShift | null> {
  const { connection, dialect, plan, state } = request;
  const close = plan.close!;
  const ordered = [close, ...plan.keys];
  const where = [`${close.column.compare} IS NOT NULL`];
  const parameters: string[] = [];
  if (state.floor !== null) {
    const [closeText, ...keyTexts] = state.floor;
    const c = close.column.parameter;
    const keyTuple =
      plan.keys.length === 1
        ? `${plan.keys[0]!.column.compare} > ${plan.keys[0]!.column.parameter}`
        : `(${plan.keys.map((k) => k.column.compare).join(', ')}) > (${plan.keys.map((k) => k.column.parameter).join(', ')})`;
    where.push(`${close.column.compare} >= ${c} AND (${close.column.compare} > ${c} OR (${close.column.compare} = ${c} AND ${keyTuple}))`);
    parameters.push(closeText!, closeText!, closeText!, ...keyTexts);
  }
  const sql =
    `SELECT ${selectList(plan)} FROM ${plan.table.from} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${ordered.map((c) => c.column.compare).join(', ')} ${dialect.limitClause(state.recent.length + 1)}`;
  const rows = await connection.query(sql, parameters);
  for (const row of rows) {
    const shift = toClosedShift(row, plan);
    const position = [text(row.close, close), ...shift.key];
    if (state.recent.some((sent) => samePosition(sent, position))) continue;
    return { ...shift, position };
  }
  return null;
}

async function findByZNumber(request: FindRequest): Promise<ClosedShift | null> {
  const { connection, dialect, plan, config, state } = request;
  const z = plan.z!;
  const register = plan.register;
  const qz = quote(dialect.name, z.column.name);
  const where = [`${z.column.compare} IS NOT NULL`];
  const parameters: string[] = [];
  const known = Object.entries(state.lastZ);
  if (register === null) {
    const last = state.lastZ[SINGLE_REGISTER];
    if (last !== undefined) {
      where.push(`${z.column.compare} > ${z.column.parameter}`);
      parameters.push(last);
    }
  } else if (known.length > 0) {
    const r = register.column;
    const alternatives = [`${r.compare} NOT IN (${known.map(() => r.parameter).join(', ')})`];
    parameters.push(...known.map(([name]) => name));
    for (const [name, last] of known) {
      alternatives.push(`(${r.compare} = ${r.parameter} AND ${z.column.compare} > ${z.column.parameter})`);
      parameters.push(name, last);
    }
    where.push(`(${alternatives.join(' OR ')})`);
  }
  if (config.closedWhen.type === 'zNumberIncrements' && config.closedWhen.latestIsOpen) {
    const sameRegister = register === null ? '' : ` WHERE m.${quote(dialect.name, register.column.name)} = s.${quote(dialect.name, register.column.name)}`;
    where.push(`s.${qz} < (SELECT MAX(m.${qz}) FROM ${plan.table.from} m${sameRegister})`);
  }
  const order = [z, ...(register === null ? [] : [register]), ...plan.keys].map((c) => c.column.compare);
  const sql = `SELECT ${selectList(plan)} FROM ${plan.table.from} s WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} ${dialect.limitClause(1)}`;
  const rows = await connection.query(sql, parameters);
  const row = rows[0];
  if (row === undefined) return null;
  const shift = toClosedShift(row, plan);
  return { ...shift, position: shift.key };
}

/** True when a shift of `register` has a Z number strictly between `after` and `before` (still open, say). */
export async function hasShiftsBetween(
  connection: OdbcConnection,
  dialect: Dialect,
  plan: ShiftPlan,
  register: string,
  after: string,
  before: string,
): Promise<boolean> {
  const z = plan.z!.column;
  const where = [`${z.compare} > ${z.parameter}`, `${z.compare} < ${z.parameter}`];
  const parameters = [after, before];
  if (plan.register !== null) {
    where.push(`${plan.register.column.compare} = ${plan.register.column.parameter}`);
    parameters.push(register);
  }
  const rows = await connection.query(`SELECT 1 AS found FROM ${plan.table.from} WHERE ${where.join(' AND ')} ${dialect.limitClause(1)}`, parameters);
  return rows.length > 0;
}

function selectList(plan: ShiftPlan): string {
  const parts = plan.keys.map((key, i) => `${key.column.select} AS k${i}`);
  if (plan.close !== null) parts.push(`${plan.close.column.select} AS close`);
  if (plan.register !== null) parts.push(`${plan.register.column.select} AS reg`);
  if (plan.z !== null) parts.push(`${plan.z.column.select} AS z`);
  return parts.join(', ');
}

function toClosedShift(row: Record<string, unknown>, plan: ShiftPlan): Omit<ClosedShift, 'position'> {
  return {
    key: plan.keys.map((key, i) => text(row[`k${i}`], key)),
    register: plan.register === null ? SINGLE_REGISTER : (cellText(row.reg, plan.register.column.name) ?? ''),
    z: plan.z === null ? null : cellText(row.z, plan.z.column.name),
  };
}

function text(value: unknown, column: PlannedColumn): string {
  return cellText(value, column.column.name) ?? '';
}
