/**
 * The entries of a large accepted file, one page at a time, from the reading worker's second pass
 * (issue 10 item 3): the worker builds the next page while the source commits this one, and waits
 * when it is one page ahead, so memory holds about two pages however large the file is.
 */
import type { ParseOptions } from '../../formats/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { EntriesDone, FileReadWorker } from './file-read-worker.ts';
import type { EntryPage } from './read-worker.ts';

export class EntryPager {
  private readonly ready: Array<{ page: EntryPage; taken: () => void }> = [];
  private wanted: ((value: { page: EntryPage; taken: () => void } | Error) => void) | null = null;
  private failure: Error | null = null;
  private readonly done: Promise<EntriesDone>;

  constructor(worker: FileReadWorker, file: string, options: ParseOptions, skip: number, pageRows: number) {
    this.done = worker.entries(
      file,
      options,
      skip,
      pageRows,
      (page) => new Promise<void>((taken) => this.offer({ page, taken })),
    );
    this.done.then(
      // Any page asked for after the last one means the file now has fewer entries than at first.
      () => this.fail(changed()),
      (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** The next page; the worker then goes on to build the one after. */
  async next(): Promise<EntryPage> {
    const item =
      this.ready.shift() ??
      (this.failure !== null
        ? this.failure
        : await new Promise<{ page: EntryPage; taken: () => void } | Error>((resolve) => (this.wanted = resolve)));
    if (item instanceof Error) throw item;
    item.taken();
    return item.page;
  }

  /** After the last page: what the second pass found, checked against the first; returns its warnings. */
  async finished(expected: { sha256: string; entries: number; skip: number }): Promise<string[]> {
    const done = await this.done;
    if (done.sha256 !== expected.sha256 || done.entries !== expected.entries || !done.accepted) {
      throw changed();
    }
    return done.warnings ?? [];
  }

  private offer(item: { page: EntryPage; taken: () => void }): void {
    const wanted = this.wanted;
    this.wanted = null;
    if (wanted !== null) wanted(item);
    else this.ready.push(item);
  }

  private fail(error: Error): void {
    this.failure = error;
    const wanted = this.wanted;
    this.wanted = null;
    wanted?.(error);
  }
}

function changed(): AgentError {
  return new AgentError(
    'file_changed',
    'The file changed while it was being imported (its fingerprint or entry count differs from the first reading); it is read again.',
  );
}
