/**
 * The reconciler every data-path test ends with: compares what the source holds with what the cloud
 * applied. Lost: a source row whose final content the cloud does not hold as that key's latest
 * record. Duplicate effect: the same content applied more than once for one key (which is what a
 * non-deterministic version would cause after a redelivery).
 */
import { canonicalJson } from '../../agents/api/canonical-json.ts';
import type { JsonObject, JsonValue } from '../../agents/api/index.ts';

export interface SourceRow {
  stream: string;
  key: Record<string, string>;
  data: JsonObject;
}

export interface AppliedRecord {
  seq: number;
  stream: string;
  key: Record<string, string>;
  op: 'upsert' | 'delete';
  version: string;
  data?: Record<string, unknown>;
}

export interface Reconciliation {
  expected: number;
  applied: number;
  lost: SourceRow[];
  wrongContent: Array<{ row: SourceRow; latest: AppliedRecord }>;
  duplicateEffects: Array<{ stream: string; key: Record<string, string>; times: number }>;
  /** Keys the cloud holds that the source does not (e.g. a record misassigned to the wrong key). */
  unexpected: AppliedRecord[];
}

export function reconcile(rows: readonly SourceRow[], applied: readonly AppliedRecord[]): Reconciliation {
  const id = (stream: string, key: Record<string, string>) => `${stream}\u0000${canonicalJson(key)}`;
  const latest = new Map<string, AppliedRecord>();
  const effects = new Map<string, number>();
  for (const record of [...applied].sort((a, b) => a.seq - b.seq)) {
    latest.set(id(record.stream, record.key), record);
    const effect = `${id(record.stream, record.key)}\u0000${record.op}\u0000${canonicalJson((record.data ?? null) as JsonValue)}`;
    effects.set(effect, (effects.get(effect) ?? 0) + 1);
  }
  const result: Reconciliation = { expected: rows.length, applied: applied.length, lost: [], wrongContent: [], duplicateEffects: [], unexpected: [] };
  const expectedIds = new Set<string>();
  for (const row of rows) {
    const rowId = id(row.stream, row.key);
    expectedIds.add(rowId);
    const record = latest.get(rowId);
    if (!record) result.lost.push(row);
    else if (canonicalJson((record.data ?? null) as JsonValue) !== canonicalJson(row.data)) result.wrongContent.push({ row, latest: record });
  }
  for (const [effect, times] of effects) {
    if (times > 1) {
      const [stream, key] = effect.split('\u0000');
      result.duplicateEffects.push({ stream: stream!, key: JSON.parse(key!) as Record<string, string>, times });
    }
  }
  for (const [recordId, record] of latest) if (!expectedIds.has(recordId)) result.unexpected.push(record);
  return result;
}

/** A one-line summary for assertion messages. */
export function describeReconciliation(r: Reconciliation): string {
  return `expected ${r.expected}, applied ${r.applied}, lost ${r.lost.length}, wrong content ${r.wrongContent.length}, duplicate effects ${r.duplicateEffects.length}, unexpected ${r.unexpected.length}`;
}
