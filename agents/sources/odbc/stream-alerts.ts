/**
 * A stream that stopped (schema drift, a missing table, a NULL key) while the source's other streams
 * go on: the source never fails as a whole, so no failing-source alert would ever go out
 * (engine/failure-watch.ts), and the stream's data would stop without anyone hearing of it. A stopped
 * stream needs a person, so it raises a critical condition alert at once, naming the stream and what
 * to do; the stream's first good read clears it (in this run, or after a restart: an alert an earlier
 * run left is cleared by the stream's first good read too).
 */
import type { PermanentError } from '../../pipeline/errors.ts';
import type { AlertSink } from '../../pipeline/source.ts';

export function streamStoppedAlertCode(source: string, stream: string): string {
  return `stream_stopped:${source}/${stream}`;
}

export class StreamAlerts {
  readonly #source: string;
  readonly #sink: AlertSink | undefined;
  /** Streams whose alert may stand: every stream until it first reads well, and each one raised since. */
  readonly #mayStand: Set<string>;

  constructor(source: string, streams: readonly string[], sink: AlertSink | undefined) {
    this.#source = source;
    this.#sink = sink;
    this.#mayStand = new Set(streams);
  }

  stopped(stream: string, error: PermanentError): void {
    const hint = error.hint === undefined ? '' : ` ${error.hint}`;
    const message = `Stream "${stream}" of source "${this.#source}" stopped: ${error.message}${hint} The source's other streams go on.`;
    this.#sink?.raiseAlert({ code: streamStoppedAlertCode(this.#source, stream), severity: 'critical', message });
    this.#mayStand.add(stream);
  }

  /** The stream read a page: writes only the first time after a stop (or after start). */
  readWell(stream: string): void {
    if (!this.#mayStand.delete(stream)) return;
    this.#sink?.clearAlert?.(streamStoppedAlertCode(this.#source, stream));
  }
}
