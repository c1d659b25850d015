/**
 * Preview (issue 13 item 6): a mapping tried on sample records before it is saved: each record's
 * input beside its output or its error. Used by `tya-agent mapping preview` and, later, the control
 * API's mapping editor. A mapping the checker refuses is not run: the refusals are the preview.
 */
import type { JsonObject, JsonValue, MappingConfig, RecordKey, RecordOp } from '../../api/index.ts';
import { MappingPool } from './mapping-pool.ts';
import type { MappingError } from './mapping-result.ts';
import { checkMapping, type Refusal } from './money-checker.ts';

export interface SampleRecord {
  key: RecordKey;
  op: RecordOp;
  data?: JsonObject;
}

export interface PreviewRow {
  key: RecordKey;
  op: RecordOp;
  input: JsonObject | null;
  /** Deletes carry no data and are not mapped: the key travels as it is. */
  output?: JsonObject;
  error?: MappingError;
  elapsedMs: number;
  /** With a rules file: the cleansed output's validation failures (empty: it passes). */
  validation?: Array<{ code: string; path: string; value?: JsonValue; message: string; severity: 'reject' | 'hold' | 'warn' }>;
}

export interface MappingPreview {
  stream: string;
  refusals: Refusal[];
  rows: PreviewRow[];
  mapped: number;
  failed: number;
}

/** Maps the samples in the pool given (or a pool of its own, closed afterwards). */
export async function previewMapping(mapping: MappingConfig, samples: readonly SampleRecord[], pool?: MappingPool): Promise<MappingPreview> {
  const refusals = checkMapping(mapping);
  const preview: MappingPreview = { stream: mapping.stream, refusals, rows: [], mapped: 0, failed: 0 };
  if (refusals.length > 0) return preview;
  const runner = pool ?? new MappingPool();
  const own = pool === undefined ? runner : undefined;
  const handle = runner.load(mapping);
  try {
    for (const sample of samples) {
      if (sample.op === 'delete' || sample.data === undefined) {
        preview.rows.push({ key: sample.key, op: sample.op, input: null, elapsedMs: 0 });
        continue;
      }
      const result = await runner.map(handle, { key: sample.key, data: sample.data });
      const row: PreviewRow = { key: sample.key, op: sample.op, input: sample.data, elapsedMs: result.elapsedMs };
      if (result.ok) row.output = result.output;
      else row.error = result.error;
      preview.rows.push(row);
      if (result.ok) preview.mapped += 1;
      else preview.failed += 1;
    }
  } finally {
    runner.unload(handle);
    await own?.close();
  }
  return preview;
}
