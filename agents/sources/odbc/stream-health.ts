/**
 * What the source says when some of its streams stopped (schema drift, a missing table, a NULL
 * key): the engine's status shows a source's last error, so the source reports its stopped streams
 * at the end of each pass over the others. While others still run it is a BackOffError for the
 * source's interval (a StreamsStoppedError: each stopped stream has its own alert, stream-alerts.ts), so the
 * engine neither reconnects nor slows down the healthy streams; when every
 * stream stopped it is a PermanentError, as a single stream's own error would be.
 */
import type { AgentError } from '../../pipeline/errors.ts';
import { PermanentError, StreamsStoppedError } from '../../pipeline/errors.ts';

export interface StoppedStream {
  stream: string;
  error: PermanentError;
}

export function stoppedStreamsError(stopped: readonly StoppedStream[], total: number, waitMs: number): AgentError | null {
  const first = stopped[0];
  if (first === undefined) return null;
  if (stopped.length === 1 && total === 1) return first.error;
  const message =
    stopped.length === 1
      ? first.error.message
      : `${stopped.length} of ${total} streams stopped. ${stopped.map((s) => s.error.message).join(' ')}`;
  const options = first.error.hint === undefined ? { cause: first.error } : { hint: first.error.hint, cause: first.error };
  if (stopped.length === total) return new PermanentError(first.error.code, message, options);
  return new StreamsStoppedError(first.error.code, message, waitMs, options);
}
