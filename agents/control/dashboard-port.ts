/**
 * What the engine supplies to the dashboard routes (issue 11), beside the original ControlHandlers.
 * The control server only authenticates, checks roles, parses and routes; this does the work.
 */
import type {
  ActivityEntry,
  AuditList,
  CatalogTable,
  CompletenessRow,
  ConnectionTest,
  DiagnosticsView,
  FileEntry,
  HistoryPoint,
  LiveEvent,
  QueueView,
  SettingsView,
  SinkStatus,
  Shift,
  SourceSummary,
  TablePreview,
} from '../api/index.ts';
import type { CloudProxyConfig, CloudTlsConfig } from '../api/cloud-transport-config.ts';
import type { QuarantineActions } from '../engine/stream-pipeline/quarantine-actions.ts';
import type { ExchangeView } from '../api/exchange-view.ts';
import type { AlertChannel, AlertChannelTest } from '../api/notify-config.ts';
import type { MappingEditorPort } from './service/mapping-editor.ts';
import type { WritebackPort } from './service/writeback-view.ts';

/** A source configuration typed into a form, with its password (write-only: it goes to the keychain). */
export interface SourceDraft {
  config: unknown;
  password?: string | undefined;
}

export interface SettingsChange {
  agentName?: string | undefined;
  cloud?: { url?: string | undefined; entity?: string | undefined; timeoutMs?: number | undefined; heartbeatIntervalSecs?: number | undefined; proxy?: CloudProxyConfig | undefined; tls?: CloudTlsConfig | undefined } | undefined;
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | undefined;
}

export interface DashboardPort {
  /** Quarantined records: list, edit, replay, discard (stream-pipeline/quarantine-actions.ts). */
  /** Raises the stream's schemaVersion and re-reads it (mapping resend); returns the new version. */
  resendStream(source: string, stream: string): Promise<number>;
  readonly quarantine: Pick<QuarantineActions, 'list' | 'get' | 'summary' | 'edit' | 'replay' | 'discard'>;
  /** The mapping editor: list, preview on real rows, save (service/mapping-editor.ts). */
  readonly mappings: MappingEditorPort;
  /** Write-back items, conflicts side by side, per-field resolution and confirmation (service/writeback-view.ts). */
  readonly writeback: WritebackPort;
  /** RabbitMQ queues and SFTP transfers (service/exchange-view.ts). */
  exchange(): ExchangeView;
  listSources(): Promise<SourceSummary[]>;
  /** Adds (`original` undefined) or replaces the source named `original`; applied live. */
  saveSource(draft: SourceDraft, original?: string): Promise<SourceSummary>;
  removeSource(name: string): Promise<void>;
  testConnection(draft: SourceDraft): Promise<ConnectionTest>;
  discoverTables(draft: SourceDraft): Promise<CatalogTable[]>;
  previewRows(draft: SourceDraft, table: string, rows: number): Promise<TablePreview>;
  setPaused(name: string, paused: boolean): void;
  resync(name: string, stream?: string): Promise<void>;
  files(options: { source?: string | undefined; limit: number }): Promise<FileEntry[]>;
  /** A person approves (it is then sent) or rejects (quarantine, nothing sent) a held file. */
  decideFile(source: string, sha256: string, decision: 'approved' | 'rejected'): void;
  /** Deletes an imported file's records in the cloud (the folder source sends the deletes). */
  voidFile(source: string, sha256: string): Promise<void>;
  queue(limit: number): QueueView;
  /** Broker sinks with their queue counts and last error (api/sink-config.ts). */
  sinks(): SinkStatus[];
  shifts(options: { source?: string | undefined; limit: number }): Promise<Shift[]>;
  /** The audit log, newest first, with its head and the head the cloud acknowledged. */
  auditLog(options: { since?: string | undefined; limit: number }): AuditList;
  activity(options: { kind?: ActivityEntry['kind'] | undefined; source?: string | undefined; text?: string | undefined; limit: number }): ActivityEntry[];
  history(): HistoryPoint[];
  /** Per business day and stream, newest day first, over the last `days` days. */
  completeness(options: { days: number }): CompletenessRow[];
  settings(): Promise<SettingsView>;
  updateSettings(change: SettingsChange): Promise<SettingsView>;
  enroll(request: { url: string; key: string }): Promise<SettingsView>;
  setSecret(ref: string, value: string): Promise<void>;
  diagnostics(options: { lines: number }): Promise<DiagnosticsView>;
  acknowledgeAlert(code: string): boolean;
  /** One test notice through every configured alert channel, each with its outcome (nothing is stored). */
  testAlertChannels(only?: readonly AlertChannel['channel'][]): Promise<AlertChannelTest[]>;
  /** Live events for /api/v1/events; returns the unsubscribe function. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}
