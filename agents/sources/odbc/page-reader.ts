/**
 * Reads one page of a stream after a position and turns its rows into records. Values are read as
 * database text and converted here; the position is the last row's cursor and key text as the
 * database printed them, so the next page's comparison uses exactly what is stored.
 */
import type { JsonObject, RecordKey, SourceRecord } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { Dialect } from './dialects/index.ts';
import type { Position, StreamPlan } from './keyset-query.ts';
import { LONGEST_ALIAS, columnAlias, pageQuery } from './keyset-query.ts';
import { mayBeCut, readWholeValue } from './long-values.ts';
import type { OdbcConnection } from './odbc-driver.ts';
import { cellText, keyText, toJsonValue } from './value-convert.ts';

export interface PageRequest {
  connection: OdbcConnection;
  dialect: Dialect;
  plan: StreamPlan;
  position: Position;
  pageRows: number;
  timeZone: string;
  capturedAt: string;
}

export interface Page {
  records: SourceRecord[];
  /** Position after the last row; the request's position when the page is empty. */
  next: Position;
  /** Rows read (a page shorter than pageRows means the stream is caught up). */
  rows: number;
}

export async function readPage(request: PageRequest): Promise<Page> {
  const { connection, plan, position, pageRows } = request;
  const query = pageQuery(plan, position, pageRows, request.dialect);
  const rows = await connection.query(query.sql, query.parameters);
  const records: SourceRecord[] = [];
  let next = position;
  for (const row of rows) {
    const texts = plan.table.columns.map((column, i) => cellText(row[columnAlias(i)], column.name));
    if (mayBeCut(row[LONGEST_ALIAS], plan)) await completeCutValues(request, texts);
    const cursorText = texts[plan.cursorIndex] ?? null;
    const keyTexts = plan.keyIndexes.map((i) => texts[i] ?? null);
    if (cursorText === null || keyTexts.some((text) => text === null)) {
      throw new PermanentError(
        'odbc_null_key',
        `Stream "${plan.stream}": a row of ${plan.table.displayName} has NULL in a key column ` +
          `(${plan.keys.map((k, i) => `${k.name}=${keyTexts[i] ?? 'NULL'}`).join(', ')}).`,
        { hint: 'Key columns must identify each row: choose keyColumns that are never NULL (the primary key).' },
      );
    }
    records.push(toRecord(request, texts));
    next = { cursor: cursorText, key: keyTexts as string[] };
  }
  return { records, next, rows: rows.length };
}

function toRecord(request: PageRequest, texts: (string | null)[]): SourceRecord {
  const { plan, timeZone } = request;
  const data: JsonObject = {};
  plan.table.columns.forEach((column, i) => {
    data[column.name] = toJsonValue(column.kind, texts[i] ?? null, timeZone);
  });
  const key: RecordKey = {};
  for (const column of plan.keys) key[column.name] = keyText(data[column.name] ?? null);
  return { stream: plan.stream, key, op: 'upsert', data, capturedAt: request.capturedAt };
}

/** Re-reads, in pieces, the bounded values of a row whose longest value exceeded the driver's buffer. */
async function completeCutValues(request: PageRequest, texts: (string | null)[]): Promise<void> {
  const { connection, dialect, plan } = request;
  const positional = new Set([plan.cursorIndex, ...plan.keyIndexes]);
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
  const keyTexts = plan.keyIndexes.map((i) => texts[i] ?? '');
  for (const [i, column] of plan.table.columns.entries()) {
    if (column.maxBytes === undefined || texts[i] === null || positional.has(i)) continue;
    texts[i] = await readWholeValue(connection, dialect, plan, column, keyTexts);
  }
}
