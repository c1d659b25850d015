import type { SqliteDatabase } from './open-database.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import type { RecordKey } from '../api/index.ts';

export type RecordState = { state: 'queued' } | { state: 'dead-letter'; reason: string } | { state: 'gone' };

/**
 * Where a record of this key stands: still queued, dead-lettered (with the reason), or neither,
 * which for a record that was enqueued means the cloud acknowledged it.
 */
export function recordStateIn(db: SqliteDatabase, source: string, stream: string, key: RecordKey): RecordState {
  const keyJson = canonicalJson(key);
  const queued = db
    .prepare<[string, string, string], number>(
      'SELECT 1 FROM records WHERE source = ? AND stream = ? AND key_canonical = ? LIMIT 1',
    )
    .pluck()
    .get(source, stream, keyJson);
  if (queued !== undefined) return { state: 'queued' };
  const reason = db
    .prepare<[string, string, string], string>(
      'SELECT reason_message FROM dead_letters WHERE source = ? AND stream = ? AND key_canonical = ? ORDER BY id DESC LIMIT 1',
    )
    .pluck()
    .get(source, stream, keyJson);
  return reason === undefined ? { state: 'gone' } : { state: 'dead-letter', reason };
}
