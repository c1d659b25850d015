import { describe, expect, it } from 'vitest';
import { BackOffError, PermanentError } from '../../pipeline/errors.ts';
import { stoppedStreamsError } from './stream-health.ts';

const drift = new PermanentError('schema_drift', 'Source "erp", stream "a": table a changed.', { hint: 'Resync.' });
const missing = new PermanentError('odbc_table_missing', 'Source "erp", stream "b": table "b" was not found.');

describe('stopped streams report', () => {
  it('is nothing while every stream runs', () => {
    expect(stoppedStreamsError([], 3, 10_000)).toBeNull();
  });

  it('is a BackOffError for the source interval while other streams still run, carrying the stream’s code and words', () => {
    const error = stoppedStreamsError([{ stream: 'a', error: drift }], 3, 10_000);
    expect(error).toBeInstanceOf(BackOffError);
    expect(error).toMatchObject({ code: 'schema_drift', message: drift.message, hint: 'Resync.', waitMs: 10_000, cause: drift });
    const two = stoppedStreamsError([{ stream: 'a', error: drift }, { stream: 'b', error: missing }], 3, 10_000)!;
    expect(two.message).toBe(`2 of 3 streams stopped. ${drift.message} ${missing.message}`);
  });

  it('is a PermanentError when no stream is left running (the stream’s own when it is the only one)', () => {
    expect(stoppedStreamsError([{ stream: 'a', error: drift }], 1, 10_000)).toBe(drift);
    const all = stoppedStreamsError([{ stream: 'a', error: drift }, { stream: 'b', error: missing }], 2, 10_000);
    expect(all).toBeInstanceOf(PermanentError);
    expect(all).not.toBeInstanceOf(BackOffError);
    expect(all).toMatchObject({ code: 'schema_drift' });
  });
});
