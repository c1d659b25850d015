/**
 * Follows shift-close records after they were queued until the cloud has acknowledged them, so the
 * status can say "Z-00412 (register till-1) uploaded." or why not. Memory only: after a restart
 * the reports are still delivered, only this line is not shown for them.
 */
import type { RecordKey } from '../../api/index.ts';
import type { SourceFileStore } from '../../pipeline/source.ts';
import type { FolderAlerts } from './folder-alerts.ts';

interface Awaited {
  stream: string;
  key: RecordKey;
  label: string;
}

export class UploadWatch {
  private readonly source: string;
  private readonly files: SourceFileStore;
  private readonly alerts: FolderAlerts;
  private awaited: Awaited[] = [];

  constructor(source: string, files: SourceFileStore, alerts: FolderAlerts) {
    this.source = source;
    this.files = files;
    this.alerts = alerts;
  }

  add(item: Awaited): void {
    this.awaited.push(item);
  }

  get size(): number {
    return this.awaited.length;
  }

  check(): void {
    this.awaited = this.awaited.filter((item) => {
      const state = this.files.recordState(this.source, item.stream, item.key);
      if (state.state === 'queued') return true;
      if (state.state === 'gone') this.alerts.notice(`${item.label} uploaded.`);
      else {
        this.alerts.notice(`${item.label} was refused by the cloud.`);
        this.alerts.refused(
          Object.values(item.key).join(':'),
          `The cloud refused ${item.label}: ${state.reason} It is kept with the failed changes ("tya-agent dlq list").`,
        );
      }
      return false;
    });
  }
}
