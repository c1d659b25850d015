/**
 * Runs a scan and hands back each row as the database's own text of every column, with values the
 * driver would have cut re-read whole, and turns rows into records. Positions and hashes are built
 * from these texts, so the next query compares exactly what is stored.
 */
import type { JsonObject, RecordKey, SourceRecord } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { Dialect } from './dialects/index.ts';
import { cutLimitOf, mayBeCut, readWholeValue } from './long-values.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import type { Query } from './scan-query.ts';
import { LONGEST_ALIAS, columnAlias } from './scan-query.ts';
import type { StreamPlan } from './stream-plan.ts';
import { cellText, keyText, toJsonValue } from './value-convert.ts';

export interface RowContext {
  connection: OdbcConnection;
  dialect: Dialect;
  plan: StreamPlan;
  timeZone: string;
}

export interface Row {
  /** Every column's text, in table order; null for NULL. */
  texts: (string | null)[];
  /** The key columns' texts. */
  key: string[];
  /** Extra selected values by alias, as returned. */
  extra: Record<string, unknown>;
}

export async function fetchRows(context: RowContext, query: Query, extraAliases: readonly string[] = []): Promise<Row[]> {
  const { plan } = context;
  const result = await context.connection.query(query.sql, query.parameters);
  const columns = plan.table.columns;
  // Aliases built once per page, not once per cell: this loop runs for every value read.
  const aliases = columns.map((_, i) => columnAlias(i));
  const cutLimit = cutLimitOf(plan);
  const rows: Row[] = [];
  for (const row of result) {
    const texts = new Array<string | null>(columns.length);
    for (let i = 0; i < columns.length; i += 1) texts[i] = cellText(row[aliases[i]!], columns[i]!.name);
    if (cutLimit !== null && mayBeCut(row[LONGEST_ALIAS], cutLimit)) await completeCutValues(context, texts);
    const extra: Record<string, unknown> = extraAliases.length === 0 ? NO_EXTRA : {};
    for (const alias of extraAliases) extra[alias] = row[alias];
    rows.push({ texts, key: keyTexts(plan, texts), extra });
  }
  return rows;
}

/** Shared by the rows of queries that select no extra values; never written to. */
const NO_EXTRA: Record<string, unknown> = Object.freeze({});

/** The texts of a row's key columns; a NULL there is refused (such a row cannot be keyed). */
export function keyTexts(plan: StreamPlan, texts: (string | null)[]): string[] {
  const keys = plan.keyIndexes.map((i) => texts[i] ?? null);
  if (keys.some((text) => text === null)) {
    throw new PermanentError(
      'odbc_null_key',
      `Stream "${plan.stream}": a row of ${plan.table.displayName} has NULL in a key column ` +
        `(${plan.keys.map((k, i) => `${k.name}=${keys[i] ?? 'NULL'}`).join(', ')}).`,
      { hint: 'Key columns must identify each row: choose keyColumns that are never NULL (the primary key).' },
    );
  }
  return keys as string[];
}

export function upsertRecord(plan: StreamPlan, texts: (string | null)[], timeZone: string, capturedAt: string): SourceRecord {
  const data: JsonObject = {};
  const columns = plan.table.columns;
  for (let i = 0; i < columns.length; i += 1) {
    const column = columns[i]!;
    data[column.name] = toJsonValue(column.kind, texts[i] ?? null, timeZone);
  }
  const key: RecordKey = {};
  for (const column of plan.keys) key[column.name] = keyText(data[column.name] ?? null);
  const group = plan.groupIndex === null ? null : (texts[plan.groupIndex] ?? null);
  // A NULL group value is a row on its own (no entry to keep it with).
  if (group !== null) return { stream: plan.stream, key, op: 'upsert', data, capturedAt, group: `${plan.stream}:${group}` };
  return { stream: plan.stream, key, op: 'upsert', data, capturedAt };
}

/** A delete of the row with these key texts; its key reads exactly as the row's upserts did. */
export function deleteRecord(plan: StreamPlan, key: string[], timeZone: string, capturedAt: string): SourceRecord {
  const recordKey: RecordKey = {};
  plan.keys.forEach((column, i) => {
    recordKey[column.name] = keyText(toJsonValue(column.kind, key[i] ?? null, timeZone));
  });
  return { stream: plan.stream, key: recordKey, op: 'delete', capturedAt };
}

/** Re-reads, in pieces, the bounded values of a row whose longest value exceeded the driver's buffer. */
async function completeCutValues(context: RowContext, texts: (string | null)[]): Promise<void> {
  const { connection, dialect, plan } = context;
  const positional = new Set([...plan.cursorIndexes, ...plan.keyIndexes]);
  for (const i of positional) {
    const column = plan.table.columns[i]!;
    const text = texts[i];
    if (column.maxBytes !== undefined && text !== null && text !== undefined && Buffer.byteLength(text) >= column.maxBytes - 3) {
      throw new PermanentError(
        'odbc_key_too_long',
        `Stream "${plan.stream}": a ${column.name} value in ${plan.table.displayName} is longer than ` +
          `${column.maxBytes} bytes, which the ${dialect.productName} ODBC driver cannot hand over whole.`,
        { hint: 'Use shorter cursor and key columns (an integer id or a timestamp).' },
      );
    }
  }
  const keys = plan.keyIndexes.map((i) => texts[i] ?? '');
  for (const [i, column] of plan.table.columns.entries()) {
    if (column.maxBytes === undefined || texts[i] === null || positional.has(i)) continue;
    texts[i] = await readWholeValue(connection, dialect, plan, column, keys);
  }
}
