/**
 * Rows of a bulk-import file, one at a time with the line they came from: CSV (streamed; delimiter
 * from the header, encoding by BOM/UTF-8/Windows-1252), JSON Lines (streamed), a JSON array (or
 * `{"records": [...]}`), or the first worksheet of an Excel file. Every value arrives as text, so
 * nothing exact is rounded on the way; JSON numbers are turned into text only when they are whole
 * and exact, anything else is a reason to reject the line.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { JsonValue } from '../../api/index.ts';
import { guessDelimiter } from '../../formats/csv/parse-csv.ts';
import { CsvTokenizer } from '../../formats/csv/tokenizer.ts';
import { detectBom } from '../../formats/text-decode.ts';
import { looksLikeZip } from '../../formats/zip/read-zip.ts';

export type ImportFormat = 'csv' | 'jsonl' | 'json' | 'xlsx';

export interface ImportRow {
  line: number;
  /** Column → value; absent when the line cannot be read (see `problem`). */
  values?: Record<string, JsonValue>;
  problem?: string;
}

export interface RowSource {
  format: ImportFormat;
  /** Known up front for CSV and Excel (the header); for JSON, the keys of the first object. */
  columns(): Promise<string[]>;
  rows(onBytes: (bytesRead: number) => void): AsyncGenerator<ImportRow>;
}

export async function openRowSource(file: string): Promise<RowSource> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(4096);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  await handle.close();
  const start = head.subarray(0, bytesRead);
  if (looksLikeZip(start)) return xlsxSource(file);
  const text = new TextDecoder('utf-8').decode(start).replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[') || (text.startsWith('{') && /^\{\s*"records"\s*:/.test(text))) return jsonSource(file);
  if (text.startsWith('{')) return jsonLinesSource(file);
  return csvSource(file, start);
}

function csvSource(file: string, head: Uint8Array): RowSource {
  const bom = detectBom(head);
  const encoding = bom?.encoding ?? 'utf-8';
  let header: string[] | undefined;
  const readHeader = async (): Promise<string[]> => {
    if (header !== undefined) return header;
    for await (const row of csvRows(file, encoding, () => undefined)) {
      header = row.cells.map((c) => c.trim());
      break;
    }
    return header ?? [];
  };
  return {
    format: 'csv',
    columns: readHeader,
    async *rows(onBytes) {
      const columns = await readHeader();
      let first = true;
      for await (const row of csvRows(file, encoding, onBytes)) {
        if (first) {
          first = false;
          continue;
        }
        if (row.cells.every((c) => c.trim() === '')) continue;
        if (row.cells.length !== columns.length) {
          yield { line: row.line, problem: `the line has ${row.cells.length} cells, the header has ${columns.length}` };
          continue;
        }
        yield { line: row.line, values: Object.fromEntries(columns.map((c, i) => [c, row.cells[i] ?? ''])) };
      }
    },
  };
}

async function* csvRows(file: string, encoding: string, onBytes: (bytes: number) => void): AsyncGenerator<{ cells: string[]; line: number }> {
  let decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' });
  let tokenizer: CsvTokenizer | undefined;
  let buffered = '';
  let read = 0;
  let started = false;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    read += bytes.length;
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      // Not UTF-8 after all: read on as Windows-1252 (what Excel writes on Western Windows).
      decoder = new TextDecoder('windows-1252');
      text = decoder.decode(bytes, { stream: true });
    }
    if (!started) {
      text = text.replace(/^\uFEFF/, '');
      started = true;
    }
    if (tokenizer === undefined) {
      // The delimiter is guessed from the header line, so wait until it is complete.
      buffered += text;
      if (buffered.length < 4096 && !/[\r\n]/.test(buffered)) continue;
      tokenizer = new CsvTokenizer({ delimiter: guessDelimiter(buffered.slice(0, 4096)), file });
      text = buffered;
      buffered = '';
    }
    yield* tokenizer.push(text);
    onBytes(read);
  }
  const tail = decoder.decode();
  if (tokenizer === undefined) {
    tokenizer = new CsvTokenizer({ delimiter: guessDelimiter(buffered), file });
    yield* tokenizer.push(buffered);
  }
  yield* tokenizer.push(tail);
  yield* tokenizer.end();
  onBytes(read);
}

function jsonLinesSource(file: string): RowSource {
  let columns: string[] | undefined;
  const source: RowSource = {
    format: 'jsonl',
    async columns() {
      if (columns !== undefined) return columns;
      for await (const row of source.rows(() => undefined)) {
        columns = Object.keys(row.values ?? {});
        break;
      }
      return columns ?? [];
    },
    async *rows(onBytes) {
      let rest = '';
      let line = 0;
      let read = 0;
      const decoder = new TextDecoder('utf-8');
      for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
        read += (chunk as Buffer).length;
        rest += decoder.decode(chunk as Buffer, { stream: true });
        const lines = rest.split(/\r?\n/);
        rest = lines.pop() ?? '';
        for (const text of lines) {
          line += 1;
          if (text.trim() !== '') yield jsonRow(text, line);
        }
        onBytes(read);
      }
      rest += decoder.decode();
      if (rest.trim() !== '') yield jsonRow(rest, line + 1);
    },
  };
  return source;
}

function jsonRow(text: string, line: number): ImportRow {
  try {
    return objectRow(JSON.parse(text.replace(/^\uFEFF/, '')), line);
  } catch (error) {
    return { line, problem: `not valid JSON (${(error as Error).message})` };
  }
}

function jsonSource(file: string): RowSource {
  let items: unknown[] | undefined;
  let size = 0;
  const load = async (): Promise<unknown[]> => {
    if (items !== undefined) return items;
    const text = await readFile(file, 'utf8');
    size = Buffer.byteLength(text);
    const parsed: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
    const list = Array.isArray(parsed) ? parsed : (parsed as { records?: unknown }).records;
    items = Array.isArray(list) ? list : [];
    return items;
  };
  return {
    format: 'json',
    columns: async () => {
      const first = (await load())[0];
      return typeof first === 'object' && first !== null ? Object.keys(first) : [];
    },
    async *rows(onBytes) {
      const list = await load();
      for (let i = 0; i < list.length; i += 1) yield objectRow(list[i], i + 1);
      onBytes(size);
    },
  };
}

function objectRow(value: unknown, line: number): ImportRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, problem: 'not a JSON object' };
  try {
    return { line, values: Object.fromEntries(Object.entries(value).map(([key, v]) => [key, exactJson(v, key)])) };
  } catch (error) {
    if (error instanceof InexactNumber) return { line, problem: error.message };
    throw error;
  }
}

class InexactNumber extends Error {}

/** Whole numbers become text; a fraction in a JSON number may already have been rounded, so it is refused. */
function exactJson(value: unknown, path: string): JsonValue {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    throw new InexactNumber(`"${path}" is the JSON number ${value}; write amounts and other exact values as strings ("12.50")`);
  }
  if (Array.isArray(value)) return value.map((item, i) => exactJson(item, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactJson(v, `${path}.${k}`)]));
  }
  return value as JsonValue;
}

function xlsxSource(file: string): RowSource {
  let table: { header: string[]; rows: Array<{ line: number; cells: string[] }> } | undefined;
  let size = 0;
  const load = async () => {
    if (table !== undefined) return table;
    const bytes = await readFile(file);
    size = bytes.length;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    const rows: Array<{ line: number; cells: string[] }> = [];
    sheet?.eachRow({ includeEmpty: false }, (row, line) => {
      rows.push({ line, cells: (Array.isArray(row.values) ? row.values.slice(1) : []).map((v) => cellText(v)) });
    });
    const [head, ...body] = rows;
    table = { header: (head?.cells ?? []).map((c) => c.trim()), rows: body };
    return table;
  };
  return {
    format: 'xlsx',
    columns: async () => (await load()).header,
    async *rows(onBytes) {
      const { header, rows } = await load();
      for (const row of rows) {
        if (row.cells.length > header.length && row.cells.slice(header.length).some((c) => c !== '')) {
          yield { line: row.line, problem: `the row has values beyond the ${header.length} headed columns` };
          continue;
        }
        yield { line: row.line, values: Object.fromEntries(header.map((c, i) => [c, row.cells[i] ?? ''])) };
      }
      onBytes(size);
    },
  };
}

function cellText(value: ExcelJS.CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 15 }) : '';
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, '').replace(/\.000Z$/, 'Z');
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('result' in value) return cellText(value.result);
  if ('text' in value && typeof value.text === 'string') return value.text;
  return '';
}
