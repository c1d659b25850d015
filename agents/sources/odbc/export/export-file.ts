/**
 * Writes an export's pages to a file as CSV (RFC 4180: a header of column names, CRLF line ends,
 * fields quoted when they hold a comma, quote or line break, NULL as an empty field) or JSON lines
 * (one object per row, NULL as null), hashing the bytes as they are written so the upload can be
 * signed without reading the file again. Values are the database's exact text: "1.10" stays "1.10".
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { JsonValue } from '../../../api/index.ts';
import type { ExportPage } from './export-rows.ts';

export type ExportFormat = 'csv' | 'jsonl';

export interface WrittenExport {
  rows: number;
  bytes: number;
  sha256: string;
}

export async function writeExportFile(pages: AsyncIterable<ExportPage>, format: ExportFormat, file: string): Promise<WrittenExport> {
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  let headerWritten = false;
  const write = async (text: string) => {
    const chunk = Buffer.from(text, 'utf8');
    hash.update(chunk);
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    for await (const page of pages) {
      if (format === 'csv' && !headerWritten) {
        await write(csvLine(page.columns));
        headerWritten = true;
      }
      let text = '';
      for (const row of page.rows) text += format === 'csv' ? csvLine(row) : jsonLine(page.columns, row);
      rows += page.rows.length;
      await write(text);
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
  return { rows, bytes, sha256: hash.digest('hex') };
}

function csvLine(values: readonly JsonValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function csvField(value: JsonValue): string {
  if (value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function jsonLine(columns: readonly string[], row: readonly JsonValue[]): string {
  const object: Record<string, JsonValue> = {};
  columns.forEach((name, i) => {
    object[name] = row[i] ?? null;
  });
  return `${JSON.stringify(object)}\n`;
}
