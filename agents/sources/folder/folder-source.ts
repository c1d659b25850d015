/**
 * A watched folder of bank statements and POS shift-close (Z) reports (issue 4). Files are taken
 * once complete, fingerprinted, parsed and checked; an accepted file's original is kept in the
 * outbox for upload and its records are committed page by page; only after its last page (the
 * file's own record, whose checkpoint names it) has committed is it marked imported and moved to
 * `archive/YYYY-MM-DD/`. A file that fails goes to `quarantine/` with a sidecar saying why. A
 * crash anywhere in between re-reads the file on restart: every record has a content version, so
 * nothing is doubled, and nothing is lost because the file stays in the folder until committed.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FolderSourceConfig, JsonValue } from '../../api/index.ts';
import type { ParseOptions } from '../../formats/index.ts';
import { folderParseOptions } from './folder-parse-options.ts';
import { zLabel } from '../../formats/zreport/index.ts';
import { AgentError, NotConnectedError, PermanentError } from '../../pipeline/errors.ts';
import type {
  CheckResult as SourceCheckResult,
  ReadResult,
  Source,
  SourceContext,
  SourceFileStore,
} from '../../pipeline/source.ts';
import { EntryPager } from './entry-pager.ts';
import { classify, contentTypeOf, hashFile, type ReadOutcome } from './file-reader.ts';
import { FileReadWorker } from './file-read-worker.ts';
import { FileJob, type Page } from './file-job.ts';
import { dayFolder, moveInto, writeSidecar } from './file-mover.ts';
import { FolderAlerts } from './folder-alerts.ts';
import { FolderLayout } from './folder-layout.ts';
import { FolderWatcher } from './folder-watcher.ts';
import { duplicateText, humanTime, quarantineText, type Rejection } from './sidecar-text.ts';
import { StabilityTracker } from './stability-tracker.ts';
import { ArrivalWatch } from './arrival-watch.ts';
import { UploadWatch } from './upload-watch.ts';
import { HOLD_REJECTED, voidPage } from './file-void.ts';

interface Active {
  job: FileJob;
  path: string;
  kind: 'bank' | 'zreport';
  outcome: ReadOutcome;
  voiding?: { records: number }; // set when the job sends deletes for a voided file instead of importing it
}

type AcceptedOutcome = Exclude<ReadOutcome, { kind: 'rejected' }>;

export class FolderSource implements Source {
  readonly name: string;
  readonly type = 'folder';
  private readonly config: FolderSourceConfig;
  private readonly ctx: SourceContext;
  private readonly layout: FolderLayout;
  private readonly tracker: StabilityTracker;
  private readonly arrivals: ArrivalWatch | undefined; // local disks: files renamed in whole skip the full stableMs
  private readonly alerts: FolderAlerts;
  private files: SourceFileStore | null = null;
  private watcher: FolderWatcher | null = null;
  private uploads: UploadWatch | null = null;
  private parseOptions: ParseOptions = {};
  /** Ready files, Z reports first (they are urgent), then in the order they became ready. */
  private ready: Array<{ path: string; urgent: boolean }> = [];
  private active: Active | null = null;
  /** The archive move of the last finished file, awaited before the next read. */
  private finishing: Promise<void> | null = null;
  /** Files are parsed in a worker thread, under a budget per file, never on the agent's main thread. */
  private readonly reader = new FileReadWorker();
  /** Files waiting for a person's approval (sha256 → path), looked at again once decided. */
  private readonly held = new Map<string, string>();
  /** Voids that could not be read this run (the original is gone): tried again after a restart. */
  private readonly voidsFailed = new Set<string>();

  constructor(config: FolderSourceConfig, ctx: SourceContext) {
    this.name = config.name;
    this.config = config;
    this.ctx = ctx;
    this.layout = new FolderLayout(config);
    this.arrivals = config.usePolling ? undefined : new ArrivalWatch({ root: this.layout.root, recursive: config.recursive, logger: ctx.logger });
    this.tracker = new StabilityTracker({ stableMs: config.stableMs, clock: ctx.clock, arrivals: this.arrivals, onDue: () => ctx.wake?.() });
    this.alerts = new FolderAlerts(config.name, ctx.alerts, (message) => ctx.notice?.(message));
  }

  async connect(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.ctx.files === undefined) {
      throw new PermanentError(
        'folder_needs_outbox',
        `The folder source "${this.name}" needs the agent's outbox to keep file originals; it cannot run here.`,
      );
    }
    this.files = this.ctx.files;
    this.parseOptions = folderParseOptions(this.config);
    await this.assertFolder();
    this.uploads = new UploadWatch(this.name, this.files, this.alerts);
    this.finishInterrupted();
    this.watcher = new FolderWatcher({
      layout: this.layout,
      usePolling: this.config.usePolling,
      pollIntervalMs: this.config.pollIntervalMs,
      rescanIntervalMs: this.config.rescanIntervalSecs * 1000,
      recursive: this.config.recursive,
      logger: this.ctx.logger,
      arrivals: this.arrivals,
      onFile: (file) => {
        if (this.active?.path !== file) this.tracker.touch(file);
      },
      onRescan: () => this.alerts.tidy(this.layout.quarantineDir, this.ctx.clock.now()),
    });
    await this.watcher.start();
    this.reader.warm();
  }

  async read(signal?: AbortSignal): Promise<ReadResult | null> {
    await this.finishing;
    if (signal?.aborted === true) return null;
    this.uploads?.check();
    if (this.active === null) {
      for (const [sha256, file] of this.held) {
        if (this.files?.holdState(sha256) === 'held') continue;
        this.held.delete(sha256);
        await this.makeReady(file);
      }
      this.active = await this.nextVoid();
      for (const file of this.active === null ? await this.tracker.poll() : []) await this.makeReady(file);
      this.active ??= await this.nextJob();
      if (this.active === null) return null;
    }
    const active = this.active;
    let page: Page;
    try {
      page = await active.job.current();
      if (active.voiding !== undefined) {
        page = voidPage(
          page,
          this.ctx.checkpoints.getCheckpoint(this.name, page.stream),
          new Date(this.ctx.clock.now()).toISOString(),
        );
      }
    } catch (error) {
      if (!(error instanceof AgentError && error.code === 'file_changed')) throw error;
      // A large file changed between its two readings: drop the job; it is taken again when stable.
      this.ctx.logger.warn({ file: active.job.file.name, errorType: 'file_changed', stage: 'read' }, error.message);
      this.active = null;
      await this.reader.close();
      this.tracker.touch(active.path);
      return null;
    }
    return {
      stream: page.stream,
      lane: active.job.lane,
      records: page.records,
      checkpoint: page.checkpoint,
      caughtUp: false,
      ack: () => this.acked(active, page),
      fileSha256: active.job.file.sha256, // kept with each record: SFTP afterImport waits for them (file-records.ts)
    };
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
    this.tracker.close();
    await this.finishing;
    await this.reader.close();
    // An unfinished file stays in the folder and is read again (its committed pages deduplicate).
    this.active = null;
    this.ready = [];
  }

  async check(): Promise<SourceCheckResult> {
    try {
      await this.assertFolder();
      folderParseOptions(this.config);
      return {
        ok: true,
        message: `The folder ${this.layout.root} is there; files go to ${this.layout.archiveDir} and ${this.layout.quarantineDir}.`,
      };
    } catch (error) {
      if (error instanceof AgentError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
  }

  private async assertFolder(): Promise<void> {
    const root = this.layout.root;
    const info = await stat(root).catch(() => null);
    if (info === null) {
      throw new NotConnectedError('folder_missing', `The folder ${root} of source "${this.name}" is not there.`, {
        hint: 'Create it, or mount the network share, and check the agent user may read and write it. The agent keeps trying.',
      });
    }
    if (!info.isDirectory())
      throw new PermanentError('folder_not_a_folder', `${root} (source "${this.name}") is a file, not a folder.`);
  }

  /** The last file's final page committed but the agent stopped before it was marked imported. */
  private finishInterrupted(): void {
    const last = this.lastFile();
    if (last !== undefined && this.files?.fileInfo(last.sha256)?.importedAt === null)
      this.files.markFileImported(last.sha256);
  }

  private lastFile(): { sha256: string; name: string } | undefined {
    const checkpoint = this.ctx.checkpoints.getCheckpoint(this.name, this.config.streams.files) as
      { lastFile?: { sha256: string; name: string } } | undefined;
    return checkpoint?.lastFile;
  }

  private async makeReady(file: string): Promise<void> {
    let urgent = this.config.kind === 'zreport';
    if (this.config.kind === 'auto') urgent = (await classify(file, 'auto').catch(() => 'bank')) === 'zreport';
    this.ready.push({ path: file, urgent });
    this.ready.sort((a, b) => Number(b.urgent) - Number(a.urgent));
  }

  private async nextJob(): Promise<Active | null> {
    for (let next = this.ready.shift(); next !== undefined; next = this.ready.shift()) {
      try {
        const active = await this.take(next.path);
        if (active !== null) return active;
      } catch (error) {
        await this.takeFailed(next.path, error);
      }
    }
    return null;
  }

  private async take(file: string): Promise<Active | null> {
    const files = this.files!;
    const name = this.layout.relativeName(file);
    const { sha256, bytes } = await hashFile(file);
    const known = files.fileInfo(sha256);
    if (known !== undefined && known.importedAt !== null) {
      // Imported but never moved away (a crash or a lock in between): this is that file, not a second copy.
      const quiet = known.archivedAt === null && known.name === name;
      await this.duplicate(file, name, sha256, { name: known.name, importedAt: known.importedAt }, quiet);
      return null;
    }
    if (this.config.hold && !(await this.approved(file, name, sha256, bytes))) return null;
    const kind = await classify(file, this.config.kind);
    const outcome = await this.reader.read(
      file,
      kind,
      { kind: this.config.kind, parse: this.parseOptions, timeZone: this.config.timeZone },
      bytes,
    );
    if (outcome.kind === 'rejected') {
      await this.quarantine(file, name, sha256, bytes, outcome.fileKind, outcome.rejection);
      return null;
    }
    if ((outcome.kind === 'bank' || outcome.kind === 'bank-streamed') && outcome.report.sha256 !== sha256) {
      this.tracker.touch(file);
      return null;
    }
    const lane = kind === 'zreport' ? 'urgent' : 'bulk';
    const format = outcome.kind === 'zreport' ? outcome.file.encoding : outcome.report.format;
    files.storeFile({
      sha256,
      source: this.name,
      name,
      contentType: contentTypeOf(name, kind, format),
      lane,
      path: file,
    });
    const job = this.jobFor({ sha256, name, bytes, path: file }, outcome, (stream) =>
      this.ctx.checkpoints.getCheckpoint(this.name, stream),
    );
    this.ctx.logger.info({ file: name, sha256, kind, lane }, `Importing ${name}.`);
    return { job, path: file, kind, outcome };
  }

  private jobFor(
    file: { sha256: string; name: string; bytes: number; path: string },
    outcome: AcceptedOutcome,
    checkpoint: (stream: string) => JsonValue | undefined,
  ): FileJob {
    const input = {
      file,
      streams: this.config.streams,
      pageRows: this.config.pageRows,
      capturedAt: new Date(this.ctx.clock.now()).toISOString(),
      checkpoint,
    };
    return outcome.kind === 'bank'
      ? FileJob.forStatements(input, outcome.report)
      : outcome.kind === 'bank-streamed'
        ? FileJob.forStreamedStatements(
            input,
            outcome.report,
            (skip) => new EntryPager(this.reader, file.path, this.parseOptions, skip, this.config.pageRows),
          )
        : FileJob.forZReports(input, outcome.file, outcome.checks, outcome.warnings);
  }

  /**
   * `hold: true`: true once a person approved the file. Until then it waits in the folder (kept in
   * the outbox, so a restart keeps waiting); a rejected file goes to quarantine and nothing is sent.
   */
  private async approved(file: string, name: string, sha256: string, bytes: number): Promise<boolean> {
    const state = this.files!.holdFile({ sha256, source: this.name, name, path: file, bytes });
    if (state === 'approved') {
      this.held.delete(sha256);
      return true;
    }
    if (state === 'rejected') {
      this.held.delete(sha256);
      await this.quarantine(
        file,
        name,
        sha256,
        bytes,
        await classify(file, this.config.kind).catch(() => 'bank' as const),
        HOLD_REJECTED,
      );
      this.files!.forgetHold(sha256);
      return false;
    }
    if (!this.held.has(sha256)) {
      this.held.set(sha256, file);
      this.alerts.notice(`${name} is waiting for approval on the Files screen before it is sent.`);
    }
    return false;
  }

  /** A file a person voided: its records read again from the archived original, to be sent as deletes. */
  private async nextVoid(): Promise<Active | null> {
    const voiding = this.files?.nextFileVoid(this.name);
    if (voiding === undefined || this.voidsFailed.has(voiding.sha256)) return null;
    try {
      const { sha256, bytes } = await hashFile(voiding.path);
      if (sha256 !== voiding.sha256)
        throw new AgentError('file_changed', `${voiding.path} is no longer the file that was imported.`);
      const kind = await classify(voiding.path, this.config.kind);
      const outcome = await this.reader.read(
        voiding.path,
        kind,
        { kind: this.config.kind, parse: this.parseOptions, timeZone: this.config.timeZone },
        bytes,
      );
      if (outcome.kind === 'rejected')
        throw new AgentError('file_unreadable', `${voiding.name} cannot be read again: ${outcome.rejection.reason}`);
      // No checkpoint: every page of the file, from the start.
      const job = this.jobFor({ sha256, name: voiding.name, bytes, path: voiding.path }, outcome, () => undefined);
      this.ctx.logger.info({ file: voiding.name, sha256 }, `Voiding ${voiding.name}: sending deletes for its records.`);
      return { job, path: voiding.path, kind, outcome, voiding: { records: 0 } };
    } catch (error) {
      this.voidsFailed.add(voiding.sha256);
      const message = `${voiding.name} could not be voided: ${error instanceof Error ? error.message : String(error)}. Nothing was deleted in the cloud.`;
      this.alerts.notice(message);
      this.ctx.logger.warn({ file: voiding.name, errorType: 'file_void_failed', stage: 'void' }, message);
      return null;
    }
  }

  private async takeFailed(file: string, error: unknown): Promise<void> {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (error instanceof AgentError && error.code === 'file_changed') {
      this.tracker.touch(file);
      return;
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      // Locked, permissions, share gone for a moment: look again later.
      this.ctx.logger.warn(
        { file, errorType: code, stage: 'read' },
        `Cannot read ${path.basename(file)} right now (${code}); trying again.`,
      );
      this.tracker.touch(file);
      return;
    }
    // A bug while reading this file: keep it out of the way instead of failing on it forever.
    this.ctx.logger.error(
      { err: error, file, errorType: 'internal_error', stage: 'parse' },
      `Reading ${path.basename(file)} failed unexpectedly.`,
    );
    const name = this.layout.relativeName(file);
    const reason = `The agent could not read this file because of an internal error (${error instanceof Error ? error.message : String(error)}).`;
    await this.quarantine(file, name, '', 0, 'bank', {
      reason,
      hint: 'This is a bug in the agent: send this file and the agent log to support.',
    }).catch(() => undefined);
  }

  private acked(active: Active, page: Page): void {
    if (active.voiding !== undefined) {
      active.voiding.records += page.records.length;
      if (!active.job.advance()) return;
      this.active = null;
      this.files?.fileVoidDone(active.job.file.sha256, active.voiding.records);
      this.alerts.notice(
        `${active.job.file.name} was voided: deletes for its ${plural(active.voiding.records, 'record')} are queued for the cloud.`,
      );
      return;
    }
    if (page.seriesChanges !== undefined) this.alerts.series(page.seriesChanges.kind, page.seriesChanges.changes);
    if (!active.job.advance()) return;
    this.files?.markFileImported(active.job.file.sha256);
    if (this.config.hold) this.files?.forgetHold(active.job.file.sha256);
    this.active = null;
    this.finishing = this.finish(active).finally(() => {
      this.finishing = null;
    });
  }

  private async finish(active: Active): Promise<void> {
    const { job } = active;
    const name = job.file.name;
    try {
      await moveInto(
        active.path,
        path.join(this.layout.archiveDir, dayFolder(this.ctx.clock.now()), path.dirname(name)),
      );
      this.files?.markFileArchived(job.file.sha256);
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, file: name },
        `${name} was imported but could not be moved to the archive; it is moved when seen again.`,
      );
    }
    if (active.outcome.kind === 'zreport') {
      for (const report of active.outcome.file.reports) {
        const label = `${zLabel(report)} (register ${report.register})`;
        const cash = active.outcome.checks.find(
          (c) => c.name === `cash count of ${zLabel(report)} of register ${report.register}`,
        );
        this.alerts.cash(
          report.register,
          report.cash.difference.replace(/[-0.]/g, '') === ''
            ? null
            : `Register ${report.register} ${zLabel(report)}: ${cash?.message ?? ''}`,
        );
        this.alerts.notice(`${label} queued for upload.`);
        this.uploads?.add({
          stream: this.config.streams.shiftReports,
          key: { register: report.register, zNumber: report.zNumber },
          label,
        });
      }
    } else {
      const s = job.summary;
      this.alerts.notice(
        `${name} imported: ${plural(s.statements, 'statement')}, ${plural(s.entries, 'entry', 'entries')}.`,
      );
    }
    this.ctx.logger.info({ file: name, sha256: job.file.sha256 }, `${name} imported and archived.`);
  }

  private async duplicate(
    file: string,
    name: string,
    sha256: string,
    known: { name: string; importedAt: string },
    quiet: boolean,
  ): Promise<void> {
    const dir = path.join(this.layout.archiveDir, dayFolder(this.ctx.clock.now()), path.dirname(name));
    const moved = await moveInto(file, dir);
    if (quiet) {
      this.files?.markFileArchived(sha256);
      return;
    }
    await writeSidecar(
      moved,
      '.duplicate.txt',
      duplicateText({ name, sha256, firstName: known.name, importedAt: known.importedAt, source: this.name }),
    );
    const where = path.relative(this.layout.root, path.dirname(moved.path)).split(path.sep).join('/');
    const message = `${name} was already imported on ${humanTime(known.importedAt)}${known.name === name ? '' : ` (as ${known.name})`}; this copy was not sent again and was moved to ${where}/.`;
    this.alerts.duplicate(name, message);
    this.alerts.notice(message);
    this.ctx.logger.info({ file: name, sha256 }, message);
  }

  private async quarantine(
    file: string,
    name: string,
    sha256: string,
    bytes: number,
    kind: 'bank' | 'zreport',
    rejection: Rejection,
  ): Promise<void> {
    const moved = await moveInto(file, path.join(this.layout.quarantineDir, path.dirname(name)));
    const at = new Date(this.ctx.clock.now()).toISOString();
    await writeSidecar(
      moved,
      '.error.txt',
      quarantineText({ name, bytes, sha256, source: this.name, watched: this.layout.root, at, rejection }),
    );
    const relative = this.layout.relativeName(moved.path);
    const what = kind === 'zreport' ? 'Shift-close file' : 'Bank file';
    const message = `${what} ${name} was not imported: ${rejection.reason.replace(/\.$/, '')}. It is in quarantine (${path.basename(this.layout.quarantineDir)}/${relative.split('/').pop() ?? ''}) with an explanation beside it.`;
    this.alerts.quarantined(path.relative(this.layout.quarantineDir, moved.path).split(path.sep).join('/'), message);
    this.alerts.notice(`${name} rejected: ${rejection.reason}`);
    this.ctx.logger.warn({ file: name, sha256, errorType: 'file_rejected', stage: 'check' }, message);
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
