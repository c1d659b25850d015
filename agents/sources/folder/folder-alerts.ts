/**
 * What the bookkeeper sees from a watched folder, as alerts (kept in the outbox, shown by status,
 * the tray and the dashboard) and notices (the newest few lines of the source's status). One alert
 * code per thing a person may act on, so a second rejection does not hide the first, and each is
 * cleared when its cause is gone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AlertSink } from '../../pipeline/source.ts';
import type { SeriesChange } from '../../transforms/statements/index.ts';

const DUPLICATE_NOTICE_MS = 24 * 3600 * 1000;

export class FolderAlerts {
  private readonly source: string;
  private readonly sink: AlertSink | undefined;
  private readonly noticeFn: ((message: string) => void) | undefined;

  constructor(source: string, sink: AlertSink | undefined, notice: ((message: string) => void) | undefined) {
    this.source = source;
    this.sink = sink;
    this.noticeFn = notice;
  }

  notice(message: string): void {
    this.noticeFn?.(message);
  }

  quarantined(movedName: string, message: string): void {
    this.sink?.raiseAlert({ code: `file_quarantined:${this.source}:${movedName}`, severity: 'critical', message });
  }

  duplicate(name: string, message: string): void {
    this.sink?.raiseAlert({ code: `file_duplicate:${this.source}:${name}`, severity: 'warning', message });
  }

  refused(id: string, message: string): void {
    this.sink?.raiseAlert({ code: `record_refused:${this.source}:${id}`, severity: 'critical', message });
  }

  /** A statement or Z-number gap appeared, changed or closed. */
  series(kind: 'statement' | 'z', changes: readonly SeriesChange[]): void {
    for (const change of changes) {
      const code = `${kind === 'z' ? 'z_gap' : 'statement_gap'}:${this.source}:${change.id}`;
      if (change.message === null) this.sink?.clearAlert?.(code);
      else this.sink?.raiseAlert({ code, severity: 'warning', message: change.message });
    }
  }

  /** The register's latest cash count: a difference is raised, a balanced drawer clears it. */
  cash(register: string, message: string | null): void {
    const code = `z_cash:${this.source}:${register}`;
    if (message === null) this.sink?.clearAlert?.(code);
    else this.sink?.raiseAlert({ code, severity: 'warning', message });
  }

  /** Clears quarantine alerts whose file is no longer in quarantine, and day-old duplicate notes. */
  tidy(quarantineDir: string, now: number): void {
    if (this.sink?.listAlerts === undefined || this.sink.clearAlert === undefined) return;
    for (const alert of this.sink.listAlerts()) {
      const quarantined = `file_quarantined:${this.source}:`;
      if (
        alert.code.startsWith(quarantined) &&
        !existsSync(path.join(quarantineDir, alert.code.slice(quarantined.length)))
      ) {
        this.sink.clearAlert(alert.code);
      } else if (
        alert.code.startsWith(`file_duplicate:${this.source}:`) &&
        now - Date.parse(alert.since) > DUPLICATE_NOTICE_MS
      ) {
        this.sink.clearAlert(alert.code);
      }
    }
  }
}
