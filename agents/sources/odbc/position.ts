/**
 * A stream's committed checkpoint, `{cursor, key}`: the exact database text of the last row's cursor
 * and key values (never through a JS number or Date, so µs and 19-digit keys survive).
 */
import type { JsonValue, OdbcStreamConfig } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { Position } from './keyset-query.ts';

export const START_POSITION: Position = { cursor: null, key: null };

/** The stored checkpoint as a Position; a shape that does not fit this stream's config is refused. */
export function parsePosition(value: JsonValue | undefined, source: string, stream: OdbcStreamConfig): Position {
  if (value === undefined || value === null) return START_POSITION;
  const fail = (why: string): never => {
    throw new PermanentError(
      'odbc_checkpoint_mismatch',
      `Source "${source}", stream "${stream.name}": the saved position ${JSON.stringify(value)} ${why}.`,
      {
        hint:
          'The stream configuration (key or cursor columns) changed since the position was saved. ' +
          'Reset the stream so it is read again from the start (the cloud ignores rows it already has).',
      },
    );
  };
  if (typeof value !== 'object' || Array.isArray(value)) return fail('is not a {cursor, key} object');
  const { cursor, key } = value;
  if (cursor === null && (key === null || key === undefined)) return START_POSITION;
  if (typeof cursor !== 'string') return fail('has no cursor text');
  if (!Array.isArray(key) || !key.every((part) => typeof part === 'string')) return fail('has no key texts');
  if (key.length !== stream.keyColumns.length) {
    return fail(`has ${key.length} key values but keyColumns lists ${stream.keyColumns.length}`);
  }
  return { cursor, key };
}

export function positionJson(position: Position): JsonValue {
  return { cursor: position.cursor, key: position.key };
}
