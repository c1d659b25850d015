/**
 * The worker thread that reads files for the folder source (issue 10): parsing never runs on the
 * agent's main thread, so the control API, heartbeats and delivery keep going while a file is read,
 * and a file that goes over its budget is stopped by terminating this thread.
 *
 * Requests come one at a time: `read` (parse and check a file), `entries` (hand out a large,
 * accepted file's entries page by page, each page waiting for `next`), `next`.
 */
import { parentPort } from 'node:worker_threads';
import type { Entry } from '../../formats/model.ts';
import type { ParseOptions } from '../../formats/parse-bytes.ts';
import { parseFileStreaming } from '../../formats/parse-stream.ts';
import { withCounters } from './spilling-counter.ts';
import { readIncomingFile, type FileKind, type FileReaderOptions } from './file-reader.ts';

export type WorkerRequest =
  | { type: 'read'; id: number; path: string; fileKind: FileKind; options: FileReaderOptions }
  | { type: 'entries'; id: number; path: string; options: ParseOptions; skip: number; pageRows: number }
  | { type: 'next'; id: number };

export interface EntryPage {
  /** Statement index → account, for every statement seen so far. */
  accounts: Record<number, string>;
  entries: Array<{ statement: number; entry: Entry }>;
}

export type WorkerReply =
  | { type: 'started'; id: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'page'; id: number; page: EntryPage }
  | { type: 'error'; id: number; error: { message: string; code?: string; name: string; stack?: string } };

const port = parentPort;
if (port === null) throw new Error('read-worker.ts runs only as a worker thread');

let waiting: (() => void) | undefined;

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'next') {
    const resume = waiting;
    waiting = undefined;
    resume?.();
    return;
  }
  port.postMessage({ type: 'started', id: request.id } satisfies WorkerReply);
  handle(request).then(
    (value) => port.postMessage({ type: 'result', id: request.id, value } satisfies WorkerReply),
    (error: unknown) => {
      const e = error as NodeJS.ErrnoException;
      const out: { message: string; code?: string; name: string; stack?: string } = {
        message: e?.message ?? String(error),
        name: e?.name ?? 'Error',
      };
      if (typeof e?.code === 'string') out.code = e.code;
      if (typeof e?.stack === 'string') out.stack = e.stack;
      port.postMessage({ type: 'error', id: request.id, error: out } satisfies WorkerReply);
    },
  );
});

async function handle(request: Exclude<WorkerRequest, { type: 'next' }>): Promise<unknown> {
  if (request.type === 'read') return readIncomingFile(request.path, request.fileKind, request.options);
  // Exact entry keys whose counters move to a scratch file past a limit: a file of millions of
  // entries costs this thread no more memory than one of thousands (spilling-counter.ts).
  return withCounters('exact', () => streamEntries(request));
}

/** Parses the file again and hands its entries out in pages, skipping those committed before. */
async function streamEntries(request: Extract<WorkerRequest, { type: 'entries' }>): Promise<unknown> {
  let seen = 0;
  const accounts: Record<number, string> = {};
  let pending: EntryPage['entries'] = [];
  /** Sends one page and waits until the source asks for the next (so memory holds about one page). */
  const send = (entries: EntryPage['entries']): Promise<void> =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      port?.postMessage({ type: 'page', id: request.id, page: { accounts, entries } } satisfies WorkerReply);
    });
  const sendFull = async (): Promise<void> => {
    while (pending.length >= request.pageRows) {
      const full = pending.slice(0, request.pageRows);
      pending = pending.slice(request.pageRows);
      await send(full);
    }
  };
  const report = await parseFileStreaming(request.path, {
    ...request.options,
    onStatement: (statement, index) => {
      accounts[index] = statement.accountId;
    },
    onEntry: (entry, statement) => {
      seen += 1;
      if (seen > request.skip) pending.push({ statement, entry });
    },
    afterChunk: sendFull,
  });
  await sendFull();
  if (pending.length > 0) await send(pending);
  pending = [];
  return {
    sha256: report.sha256,
    entries: report.entries,
    accepted: report.accepted,
    error: report.error,
    warnings: report.warnings,
  };
}
