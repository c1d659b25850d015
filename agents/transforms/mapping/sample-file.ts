/**
 * Sample records from a JSON-lines file, for previewing a mapping without a source: each line is
 * either a record as the agent captures it (`{"stream", "key", "op", "data"}`) or just the data
 * object (then its key is the line number). Errors name the file and the line.
 */
import { readFile } from 'node:fs/promises';
import type { JsonObject, RecordKey } from '../../api/index.ts';
import type { SampleRecord } from './preview.ts';

export class SampleFileError extends Error {
  readonly code = 'mapping_sample_file';
}

/** The first `limit` records of `stream` (lines naming another stream are skipped). */
export async function readSampleFile(path: string, stream: string, limit: number): Promise<SampleRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SampleFileError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check the path.`);
  }
  const samples: SampleRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && samples.length < limit; i += 1) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SampleFileError(`${path} line ${i + 1} is not JSON (${(error as Error).message}): write one JSON object per line.`);
    }
    if (!isObject(value)) throw new SampleFileError(`${path} line ${i + 1} is not a JSON object: write one record or data object per line.`);
    const sample = toSample(value, i + 1, path);
    if (sample.stream !== undefined && sample.stream !== stream) continue;
    samples.push(sample.record);
  }
  return samples;
}

function toSample(value: Record<string, unknown>, line: number, path: string): { stream?: string; record: SampleRecord } {
  if (!isObject(value.data) && value.op !== 'delete') return { record: { key: { line: String(line) }, op: 'upsert', data: value as JsonObject } };
  const key = isObject(value.key) ? (value.key as RecordKey) : { line: String(line) };
  const op = value.op === 'delete' ? 'delete' : 'upsert';
  if (value.op !== undefined && value.op !== 'upsert' && value.op !== 'delete') {
    throw new SampleFileError(`${path} line ${line}: "op" must be "upsert" or "delete", not ${JSON.stringify(value.op)}.`);
  }
  const record: SampleRecord = { key, op };
  if (isObject(value.data)) record.data = value.data as JsonObject;
  return typeof value.stream === 'string' ? { stream: value.stream, record } : { record };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
