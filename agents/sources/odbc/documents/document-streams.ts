/**
 * The document streams of one ODBC source, behind the small hook OdbcSource calls: `prepare` after
 * connecting, `poll` before each page of its table streams (so a shift close is found within
 * `pollSecs` even while a large table loads), and `check` for "Test connection".
 */
import type { OdbcSourceConfig } from '../../../api/index.ts';
import { AgentError, PermanentError } from '../../../pipeline/errors.ts';
import type { CheckResult, ReadResult, SourceContext } from '../../../pipeline/source.ts';
import type { Dialect } from '../dialects/index.ts';
import type { OdbcConnection } from '../odbc-driver.ts';
import { ShiftCloseReader } from './shift-close-reader.ts';

export interface DocumentCheck {
  lines: string[];
  /** The first failure, or null when every document is readable. */
  failure: AgentError | null;
}

export class DocumentStreams {
  readonly #config: OdbcSourceConfig;
  readonly #readers: ShiftCloseReader[];
  #turn = 0;

  constructor(config: OdbcSourceConfig, ctx: SourceContext, dialect: Dialect) {
    this.#config = config;
    this.#readers = (config.documents ?? []).map(
      (document) => new ShiftCloseReader({ source: config.name, config: document, dialect, timeZone: config.timeZone, ctx }),
    );
  }

  get size(): number {
    return this.#readers.length;
  }

  /** How often the documents want to be looked at (the smallest `pollSecs`), or null without documents. */
  get pollMs(): number | null {
    const secs = (this.#config.documents ?? []).map((document) => document.pollSecs);
    return secs.length === 0 ? null : Math.min(...secs) * 1000;
  }

  async prepare(connection: OdbcConnection, signal: AbortSignal): Promise<void> {
    this.#assertNamesDistinct();
    for (const reader of this.#readers) {
      signal.throwIfAborted();
      await reader.prepare(connection);
    }
  }

  /** A closed shift of any document (taking turns), or null when none is due or none closed. */
  async poll(connection: OdbcConnection, signal: AbortSignal): Promise<ReadResult | null> {
    for (let i = 0; i < this.#readers.length; i += 1) {
      signal.throwIfAborted();
      const index = (this.#turn + i) % this.#readers.length;
      const result = await this.#readers[index]!.poll(connection);
      if (result !== null) {
        this.#turn = (index + 1) % this.#readers.length;
        return result;
      }
    }
    return null;
  }

  async check(connection: OdbcConnection, signal: AbortSignal): Promise<DocumentCheck> {
    const lines: string[] = [];
    let failure: AgentError | null = null;
    try {
      this.#assertNamesDistinct();
    } catch (error) {
      failure = error as AgentError;
      lines.push(describe(failure));
    }
    for (const reader of this.#readers) {
      signal.throwIfAborted();
      try {
        lines.push(await reader.check(connection));
      } catch (error) {
        if (!(error instanceof AgentError)) throw error;
        failure ??= error;
        lines.push(`Document "${reader.name}": ${describe(error)}`);
      }
    }
    return { lines, failure };
  }

  /** Checkpoints are kept per (source, stream name): a document named like a stream would share one. */
  #assertNamesDistinct(): void {
    const streams = new Set(this.#config.streams.map((stream) => stream.name));
    const seen = new Set<string>();
    for (const reader of this.#readers) {
      if (streams.has(reader.name) || seen.has(reader.name)) {
        throw new PermanentError(
          'odbc_document_name_taken',
          `Source "${this.#config.name}": the document name "${reader.name}" is also used by another stream or document of this source.`,
          { hint: 'Give every stream and document of a source its own name.' },
        );
      }
      seen.add(reader.name);
    }
  }
}

function describe(error: AgentError): string {
  return error.hint === undefined ? error.message : `${error.message} ${error.hint}`;
}

/** "Test connection" of a source with documents: the streams' result with the documents' lines added. */
export function withDocumentChecks(streams: CheckResult, documents: DocumentCheck): CheckResult {
  if (documents.lines.length === 0) return streams;
  const message = [streams.message, ...documents.lines].join('\n');
  if (!streams.ok) return { ...streams, message };
  return documents.failure === null ? { ok: true, message } : { ok: false, code: documents.failure.code, message };
}
