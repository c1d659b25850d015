/**
 * One accepted file as a series of outbox commits ("pages"): its statements (or Z reports), its
 * entries in pages of `pageRows`, and last the file's own record, whose checkpoint names the file.
 * Every page's records have content versions, so a page committed again after a crash is a
 * duplicate the outbox and the cloud recognise; the entries checkpoint lets a restart skip what was
 * committed already.
 */
import type { JsonValue, Lane, SourceRecord } from '../../api/index.ts';
import type { CheckResult, ParseReport, Statement, StreamReport } from '../../formats/index.ts';
import type { EntryPager } from './entry-pager.ts';
import type { ZReportFile } from '../../formats/zreport/index.ts';
import {
  entryRecord,
  fileRecord,
  statementRecord,
  StatementSeries,
  ZSeries,
  zReportRecord,
  type FileSummary,
  type SeriesChange,
} from '../../transforms/statements/index.ts';
import type { SourceFileRef } from '../../transforms/statements/index.ts';

export interface JobStreams {
  statements: string;
  entries: string;
  shiftReports: string;
  files: string;
}

export interface Page {
  stream: string;
  records: SourceRecord[];
  checkpoint: JsonValue;
  /** What changed in the statement or Z series with this page (applied as alerts after the commit). */
  seriesChanges?: { kind: 'statement' | 'z'; changes: SeriesChange[] };
  last: boolean;
}

export interface JobInput {
  file: SourceFileRef & { bytes: number; path: string };
  streams: JobStreams;
  pageRows: number;
  capturedAt: string;
  checkpoint(stream: string): JsonValue | undefined;
}

/** Checkpoint of the entries stream: how far the file's entries are committed. */
interface EntriesCheckpoint {
  sha256: string;
  next: number;
}

export class FileJob {
  readonly file: JobInput['file'];
  readonly lane: Lane;
  readonly summary: FileSummary;
  private readonly pages: Array<() => Page | Promise<Page>>;
  private index = 0;
  /** A streamed page is built once and kept until committed (the worker cannot hand it out twice). */
  private built: { index: number; page: Page } | null = null;

  private constructor(input: JobInput, lane: Lane, summary: FileSummary, pages: Array<() => Page | Promise<Page>>) {
    this.file = input.file;
    this.lane = lane;
    this.summary = summary;
    this.pages = pages;
  }

  static forStatements(input: JobInput, report: ParseReport): FileJob {
    const { streams, file, capturedAt } = input;
    const statements = report.statements;
    const entries = statements.reduce((n, s) => n + s.entries.length, 0);
    const summary = summaryOf(input, {
      kind: 'bank',
      lane: 'bulk',
      format: report.format,
      statements: statements.length,
      entries,
      reports: 0,
      checks: report.checks,
      warnings: report.warnings,
    });
    const series = new StatementSeries(input.checkpoint(streams.statements));
    for (const statement of statements) series.observe(statement);
    const changes = series.takeChanges();
    const seriesState = series.toJSON();
    const pages: Array<() => Page> = [
      () => ({
        stream: streams.statements,
        records: statements.map((statement) =>
          statementRecord({
            stream: streams.statements,
            statement,
            checks: checksOf(report.checks, statement),
            sourceFile: ref(file),
            capturedAt,
          }),
        ),
        checkpoint: seriesState,
        seriesChanges: { kind: 'statement', changes },
        last: false,
      }),
    ];
    const flat = flatten(statements);
    for (let from = 0; from < entries; from += input.pageRows) {
      const to = Math.min(entries, from + input.pageRows);
      pages.push(() => ({
        stream: streams.entries,
        records: flat(from, to).map(({ statement, entry }) =>
          entryRecord({ stream: streams.entries, accountId: statement.accountId, entry, capturedAt }),
        ),
        checkpoint: { sha256: file.sha256, next: to } satisfies EntriesCheckpoint,
        last: false,
      }));
    }
    pages.push(() => fileRecordPage(input, summary));
    // Entries pages already committed before a restart are skipped (statements are re-sent: cheap and deduplicated).
    const done = input.checkpoint(streams.entries) as Partial<EntriesCheckpoint> | undefined;
    if (done?.sha256 === file.sha256 && typeof done.next === 'number' && done.next > 0) {
      pages.splice(1, Math.floor(done.next / input.pageRows));
    }
    return new FileJob(input, 'bulk', summary, pages);
  }

  /**
   * A large file checked in a first pass without its entries (`report` has per-statement counts and
   * sums): its statements page comes from the report, its entry pages from `pager` (the second
   * pass), one at a time. A restart skips the entry pages already committed, as above.
   */
  static forStreamedStatements(input: JobInput, report: StreamReport, pager: (skip: number) => EntryPager): FileJob {
    const { streams, file, capturedAt } = input;
    const statements: Statement[] = report.statements.map(({ entryCount: _count, movement: _movement, ...header }) => ({
      ...header,
      entries: [],
    }));
    const summary = summaryOf(input, {
      kind: 'bank',
      lane: 'bulk',
      format: report.format,
      statements: statements.length,
      entries: report.entries,
      reports: 0,
      checks: report.checks,
      warnings: report.warnings,
    });
    const series = new StatementSeries(input.checkpoint(streams.statements));
    for (const statement of statements) series.observe(statement);
    const changes = series.takeChanges();
    const seriesState = series.toJSON();
    const done = input.checkpoint(streams.entries) as Partial<EntriesCheckpoint> | undefined;
    const skipPages =
      done?.sha256 === file.sha256 && typeof done.next === 'number' && done.next > 0
        ? Math.floor(done.next / input.pageRows)
        : 0;
    const skip = skipPages * input.pageRows;
    let source: EntryPager | undefined;
    const pages: Array<() => Page | Promise<Page>> = [
      () => ({
        stream: streams.statements,
        records: statements.map((statement, i) =>
          statementRecord({
            stream: streams.statements,
            statement,
            entryCount: report.statements[i]?.entryCount ?? 0,
            checks: checksOf(report.checks, statement),
            sourceFile: ref(file),
            capturedAt,
          }),
        ),
        checkpoint: seriesState,
        seriesChanges: { kind: 'statement', changes },
        last: false,
      }),
    ];
    for (let from = skip; from < report.entries; from += input.pageRows) {
      const to = Math.min(report.entries, from + input.pageRows);
      pages.push(async () => {
        source ??= pager(skip);
        const page = await source.next();
        if (page.entries.length !== to - from)
          await source.finished({ sha256: file.sha256, entries: report.entries, skip });
        return {
          stream: streams.entries,
          records: page.entries.map(({ statement, entry }) =>
            entryRecord({ stream: streams.entries, accountId: page.accounts[statement] ?? '', entry, capturedAt }),
          ),
          checkpoint: { sha256: file.sha256, next: to } satisfies EntriesCheckpoint,
          last: false,
        };
      });
    }
    pages.push(async () => {
      if (source === undefined) return fileRecordPage(input, summary);
      // The check pass may have missed references repeated far apart in a very large file.
      const found = await source.finished({ sha256: file.sha256, entries: report.entries, skip });
      const warnings = [...summary.warnings, ...found.filter((w) => !summary.warnings.includes(w))];
      return fileRecordPage(input, { ...summary, warnings });
    });
    return new FileJob(input, 'bulk', summary, pages);
  }

  static forZReports(input: JobInput, parsed: ZReportFile, checks: CheckResult[], warnings: string[]): FileJob {
    const { streams, file, capturedAt } = input;
    const summary = summaryOf(input, {
      kind: 'zreport',
      lane: 'urgent',
      format: `zreport-${parsed.encoding}`,
      statements: 0,
      entries: 0,
      reports: parsed.reports.length,
      checks,
      warnings,
    });
    const series = new ZSeries(input.checkpoint(streams.shiftReports));
    for (const report of parsed.reports) series.observe(report);
    const changes = series.takeChanges();
    const seriesState = series.toJSON();
    const pages: Array<() => Page> = [
      () => ({
        stream: streams.shiftReports,
        records: parsed.reports.map((report) =>
          zReportRecord({
            stream: streams.shiftReports,
            report,
            checks: checks.filter((c) => c.name.includes(`Z-${report.zNumber} of register ${report.register}`)),
            sourceFile: ref(file),
            capturedAt,
          }),
        ),
        checkpoint: seriesState,
        seriesChanges: { kind: 'z', changes },
        last: false,
      }),
      () => fileRecordPage(input, summary),
    ];
    return new FileJob(input, 'urgent', summary, pages);
  }

  /** The page to commit next (the same one again until it is acknowledged). */
  async current(): Promise<Page> {
    if (this.built?.index === this.index) return this.built.page;
    const build = this.pages[this.index];
    if (build === undefined) throw new Error(`File job for ${this.file.name} has no page ${this.index}`);
    const page = await build();
    this.built = { index: this.index, page };
    return page;
  }

  /** The current page committed; true when that was the last one. */
  advance(): boolean {
    this.built = null;
    this.index += 1;
    return this.index >= this.pages.length;
  }
}

function fileRecordPage(input: JobInput, summary: FileSummary): Page {
  return {
    stream: input.streams.files,
    records: [fileRecord({ stream: input.streams.files, summary, capturedAt: input.capturedAt })],
    checkpoint: { lastFile: { sha256: input.file.sha256, name: input.file.name } },
    last: true,
  };
}

function summaryOf(input: JobInput, rest: Omit<FileSummary, 'sha256' | 'name' | 'bytes'>): FileSummary {
  return { sha256: input.file.sha256, name: input.file.name, bytes: input.file.bytes, ...rest };
}

function ref(file: SourceFileRef): SourceFileRef {
  return { sha256: file.sha256, name: file.name };
}

/** The file's checks that concern this statement (balance checks name it), plus the file-level ones. */
function checksOf(checks: readonly CheckResult[], statement: Statement): CheckResult[] {
  return checks.filter((c) => !c.name.startsWith('balance of ') || c.name.includes(`account ${statement.accountId}`));
}

function flatten(
  statements: readonly Statement[],
): (from: number, to: number) => Array<{ statement: Statement; entry: Statement['entries'][number] }> {
  const starts: number[] = [];
  let total = 0;
  for (const s of statements) {
    starts.push(total);
    total += s.entries.length;
  }
  return (from, to) => {
    const out: Array<{ statement: Statement; entry: Statement['entries'][number] }> = [];
    let si = 0;
    while (si + 1 < statements.length && (starts[si + 1] ?? Infinity) <= from) si += 1;
    for (let i = from; i < to; i += 1) {
      while (si + 1 < statements.length && (starts[si + 1] ?? Infinity) <= i) si += 1;
      const statement = statements[si]!;
      out.push({ statement, entry: statement.entries[i - (starts[si] ?? 0)]! });
    }
    return out;
  };
}
