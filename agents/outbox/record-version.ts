/**
 * A record's content version: `sha256:<hex>` of canonical `{key, op, data}` (deletes: `{key, op}`).
 * capturedAt is deliberately left out, so re-reading the same row after a crash or a resync yields
 * the same version and the cloud's permanent dedupe recognises it.
 */
import { hash } from 'node:crypto';
import type { JsonObject, RecordKey, RecordOp } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';

export function recordVersion(r: { key: RecordKey; op: RecordOp; data?: JsonObject }): string {
  return versionOfCanonical(
    canonicalJson(r.key),
    r.op,
    r.op === 'delete' || r.data === undefined ? null : canonicalJson(r.data),
  );
}

/**
 * The same digest from already canonical key and data text (the outbox has them at hand and
 * skips canonicalising twice). Keys of the wrapper object in code-unit order: data, key, op.
 */
export function versionOfCanonical(keyJson: string, op: RecordOp, dataJson: string | null, schemaVersion = 1): string {
  // Schema version 1 hashes as before it existed, so no queued or delivered version changes with it;
  // a raised one ("re-send with the new mapping") makes every record a change (cloud-api.md § Batches).
  const schema = schemaVersion === 1 ? '' : `,"schemaVersion":${Math.trunc(schemaVersion)}`;
  const text =
    dataJson === null
      ? `{"key":${keyJson},"op":${JSON.stringify(op)}${schema}}`
      : `{"data":${dataJson},"key":${keyJson},"op":${JSON.stringify(op)}${schema}}`;
  // The one-shot hash: createHash's object and stream set-up cost more than hashing a few hundred bytes.
  return `sha256:${hash('sha256', text, 'hex')}`;
}
