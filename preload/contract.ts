/**
 * The one window API contract (GitHub Desktop's ipc-shared.ts): every method the dashboard may call,
 * its channel, and the zod schema its arguments are parsed with in main/ipc. preload/index.ts exposes
 * it as named methods, main/ipc implements it by calling the agent's control API, and
 * renderer/api has a second, HTTP implementation of the same interface for the browser. Results are
 * `{ok: true, value} | {ok: false, error}` (Signal's wrapResult) so failures cross the bridge as data.
 */
import { z } from 'zod';
import type {
  ActivityEntry,
  AgentStatus,
  AuditList,
  Alert,
  CatalogTable,
  CompletenessRow,
  ConnectionTest,
  DiagnosticsView,
  ExchangeView,
  SinkStatus,
  FieldChoiceInput,
  FileEntry,
  HistoryPoint,
  LiveEvent,
  MappingEntry,
  MappingPreviewRequest,
  MappingPreviewView,
  QuarantineEntry,
  QuarantineStreamSummary,
  QueueView,
  ReplayResult,
  SettingsView,
  Shift,
  SourceSummary,
  TablePreview,
  WritebackConflict,
  WritebackDecision,
  WritebackEntry,
} from '../agents/api/index.ts';
import type { Role } from '../agents/api/roles.ts';
import type { AlertChannelTest } from '../agents/api/notify-config.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface SourceDraft {
  config: Record<string, unknown>;
  /** Write-only: sent once, stored in the keychain by the agent, never read back. */
  password?: string;
}

export interface SettingsChange {
  agentName?: string;
  cloud?: { url?: string; entity?: string; timeoutMs?: number; heartbeatIntervalSecs?: number };
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export type DeadLetterSelection = number[] | 'all';

export interface QuarantineListFilter {
  source?: string;
  stream?: string;
  status?: 'waiting' | 'quarantined' | 'held' | 'superseded' | 'replayed' | 'discarded' | 'all';
}

export interface QuarantineScope {
  source?: string;
  stream?: string;
}

/** Who the dashboard is talking as: its role decides which actions it offers. */
export interface SessionView {
  role: Role;
  via: 'token' | 'session' | 'socket';
  csrfToken: string | null;
}

export interface WindowApi {
  getSession(): Promise<Result<SessionView>>;
  getStatus(): Promise<Result<AgentStatus>>;
  syncNow(source?: string): Promise<Result<null>>;
  listSources(): Promise<Result<SourceSummary[]>>;
  saveSource(draft: SourceDraft, original?: string): Promise<Result<SourceSummary>>;
  removeSource(name: string): Promise<Result<null>>;
  testConnection(draft: SourceDraft): Promise<Result<ConnectionTest>>;
  discoverTables(draft: SourceDraft): Promise<Result<CatalogTable[]>>;
  previewRows(draft: SourceDraft, table: string, rows: number): Promise<Result<TablePreview>>;
  pauseSource(name: string): Promise<Result<null>>;
  resumeSource(name: string): Promise<Result<null>>;
  resyncSource(name: string, stream?: string): Promise<Result<null>>;
  listFiles(source?: string): Promise<Result<FileEntry[]>>;
  /** A held file: approve (it is sent) or reject (quarantine, nothing sent). Operator. */
  approveFile(source: string, sha256: string): Promise<Result<null>>;
  rejectFile(source: string, sha256: string): Promise<Result<null>>;
  /** Deletes an imported file's records in the cloud. Admin. */
  voidFile(source: string, sha256: string): Promise<Result<null>>;
  getQueue(): Promise<Result<QueueView>>;
  retryDeadLetters(ids: DeadLetterSelection): Promise<Result<number>>;
  discardDeadLetters(ids: DeadLetterSelection): Promise<Result<number>>;
  listShifts(): Promise<Result<Shift[]>>;
  listActivity(filter: { kind?: ActivityEntry['kind']; source?: string; text?: string }): Promise<Result<ActivityEntry[]>>;
  /** The security audit log, newest first (viewer). */
  listAudit(): Promise<Result<AuditList>>;
  getHistory(): Promise<Result<HistoryPoint[]>>;
  /** Per business day and stream over the last `days` days (default 14), newest first. */
  getCompleteness(days?: number): Promise<Result<CompletenessRow[]>>;
  getSettings(): Promise<Result<SettingsView>>;
  updateSettings(change: SettingsChange): Promise<Result<SettingsView>>;
  enroll(url: string, key: string): Promise<Result<SettingsView>>;
  setSecret(ref: string, value: string): Promise<Result<null>>;
  getDiagnostics(): Promise<Result<DiagnosticsView>>;
  listAlerts(): Promise<Result<Alert[]>>;
  acknowledgeAlert(code: string): Promise<Result<{ acknowledged: boolean }>>;
  /** A test notice through every configured alert channel (operator). */
  testAlertChannels(): Promise<Result<AlertChannelTest[]>>;
  /** Quarantine (docs/quarantine.md): viewer reads; operator edits, replays, discards. */
  getQuarantineSummary(): Promise<Result<QuarantineStreamSummary[]>>;
  listQuarantine(filter: QuarantineListFilter): Promise<Result<QuarantineEntry[]>>;
  editQuarantine(id: number, data: Record<string, unknown>): Promise<Result<QuarantineEntry>>;
  replayQuarantine(ids: DeadLetterSelection, scope?: QuarantineScope): Promise<Result<ReplayResult>>;
  discardQuarantine(ids: DeadLetterSelection, scope?: QuarantineScope): Promise<Result<number>>;
  /** The mapping editor: list and preview (operator: reads real rows), save (admin). */
  listMappings(): Promise<Result<MappingEntry[]>>;
  previewMapping(request: MappingPreviewRequest): Promise<Result<MappingPreviewView>>;
  saveMapping(source: string, stream: string, text: string): Promise<Result<MappingEntry>>;
  /** Write-back (docs/writeback.md): viewer reads; operator resolves conflicts per field and confirms unknown outcomes. */
  listWriteback(): Promise<Result<WritebackEntry[]>>;
  listConflicts(): Promise<Result<WritebackConflict[]>>;
  resolveConflict(id: string, choice: Record<string, FieldChoiceInput>): Promise<Result<WritebackDecision>>;
  confirmWriteback(id: string, applied: boolean): Promise<Result<WritebackDecision>>;
  /** RabbitMQ queues and SFTP transfers. */
  getExchange(): Promise<Result<ExchangeView>>;
  /** RabbitMQ sinks: what waits, what the broker confirmed, what was published again (docs/rabbitmq-sink.md). */
  getSinks(): Promise<Result<SinkStatus[]>>;
  /** Live events; returns the function that stops them. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** The invoke-style methods (everything but `subscribe`, which is an event channel). */
export type InvokeMethod = Exclude<keyof WindowApi, 'subscribe'>;

export const LIVE_EVENT_CHANNEL = 'agent:live-event';

const Name = z.string().min(1).max(63);
const Draft = z.strictObject({ config: z.record(z.string(), z.unknown()), password: z.string().max(1024).optional() });
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Ids = z.union([z.literal('all'), z.array(z.number().int().positive()).min(1).max(10_000)]);
const WritebackId = z.string().min(1).max(200);
const QScope = z.strictObject({ source: Name.optional(), stream: Name.optional() });
const QFilter = z.strictObject({
  source: Name.optional(),
  stream: Name.optional(),
  status: z.enum(['waiting', 'quarantined', 'held', 'superseded', 'replayed', 'discarded', 'all']).optional(),
});

/** Channel and argument tuple schema per method: main/ipc parses every call with these. */
export const IPC_CONTRACT = {
  getSession: { channel: 'session:get', args: z.tuple([]) },
  getStatus: { channel: 'agent:get-status', args: z.tuple([]) },
  syncNow: { channel: 'agent:sync-now', args: z.tuple([Name.optional()]) },
  listSources: { channel: 'sources:list', args: z.tuple([]) },
  saveSource: { channel: 'sources:save', args: z.tuple([Draft, Name.optional()]) },
  removeSource: { channel: 'sources:remove', args: z.tuple([Name]) },
  testConnection: { channel: 'sources:test', args: z.tuple([Draft]) },
  discoverTables: { channel: 'sources:discover', args: z.tuple([Draft]) },
  previewRows: { channel: 'sources:preview', args: z.tuple([Draft, z.string().min(1).max(200), z.number().int().min(1).max(100)]) },
  pauseSource: { channel: 'sources:pause', args: z.tuple([Name]) },
  resumeSource: { channel: 'sources:resume', args: z.tuple([Name]) },
  resyncSource: { channel: 'sources:resync', args: z.tuple([Name, Name.optional()]) },
  listFiles: { channel: 'files:list', args: z.tuple([Name.optional()]) },
  approveFile: { channel: 'files:approve', args: z.tuple([Name, Sha256]) },
  rejectFile: { channel: 'files:reject', args: z.tuple([Name, Sha256]) },
  voidFile: { channel: 'files:void', args: z.tuple([Name, Sha256]) },
  getQueue: { channel: 'queue:get', args: z.tuple([]) },
  retryDeadLetters: { channel: 'queue:retry', args: z.tuple([Ids]) },
  discardDeadLetters: { channel: 'queue:discard', args: z.tuple([Ids]) },
  listShifts: { channel: 'shifts:list', args: z.tuple([]) },
  listActivity: { channel: 'activity:list', args: z.tuple([z.strictObject({ kind: z.string().optional(), source: z.string().optional(), text: z.string().max(200).optional() })]) },
  listAudit: { channel: 'audit:list', args: z.tuple([]) },
  getHistory: { channel: 'status:history', args: z.tuple([]) },
  getCompleteness: { channel: 'completeness:get', args: z.tuple([z.number().int().min(1).max(366).optional()]) },
  getSettings: { channel: 'settings:get', args: z.tuple([]) },
  updateSettings: { channel: 'settings:update', args: z.tuple([z.record(z.string(), z.unknown())]) },
  enroll: { channel: 'settings:enroll', args: z.tuple([z.url(), z.string().min(1).max(4096)]) },
  setSecret: { channel: 'settings:set-secret', args: z.tuple([z.string().min(1).max(200), z.string().min(1).max(4096)]) },
  getDiagnostics: { channel: 'diagnostics:get', args: z.tuple([]) },
  listAlerts: { channel: 'alerts:list', args: z.tuple([]) },
  acknowledgeAlert: { channel: 'alerts:ack', args: z.tuple([z.string().min(1).max(120)]) },
  testAlertChannels: { channel: 'alerts:test', args: z.tuple([]) },
  getQuarantineSummary: { channel: 'quarantine:summary', args: z.tuple([]) },
  listQuarantine: { channel: 'quarantine:list', args: z.tuple([QFilter]) },
  editQuarantine: { channel: 'quarantine:edit', args: z.tuple([z.number().int().positive(), z.record(z.string(), z.unknown())]) },
  replayQuarantine: { channel: 'quarantine:replay', args: z.tuple([Ids, QScope.optional()]) },
  discardQuarantine: { channel: 'quarantine:discard', args: z.tuple([Ids, QScope.optional()]) },
  listMappings: { channel: 'mappings:list', args: z.tuple([]) },
  previewMapping: {
    channel: 'mappings:preview',
    args: z.tuple([z.strictObject({ source: Name, stream: Name, mapping: z.string().min(1).max(200_000), rows: z.number().int().min(1).max(50).optional() })]),
  },
  saveMapping: { channel: 'mappings:save', args: z.tuple([Name, Name, z.string().min(1).max(200_000)]) },
  listWriteback: { channel: 'writeback:list', args: z.tuple([]) },
  listConflicts: { channel: 'writeback:conflicts', args: z.tuple([]) },
  resolveConflict: {
    channel: 'writeback:resolve',
    args: z.tuple([WritebackId, z.record(z.string().min(1).max(200), z.union([z.enum(['cloud', 'premises', 'base']), z.strictObject({ value: z.string().max(10_000).nullable() })]))]),
  },
  confirmWriteback: { channel: 'writeback:confirm', args: z.tuple([WritebackId, z.boolean()]) },
  getExchange: { channel: 'exchange:get', args: z.tuple([]) },
  getSinks: { channel: 'sinks:get', args: z.tuple([]) },
} as const satisfies Record<InvokeMethod, { channel: string; args: z.ZodType }>;

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below /api/v1, with the query string. */
  path: string;
  body?: unknown;
}

const seg = encodeURIComponent;
function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * How each method maps to the agent's control API: the renderer's HTTP transport and main's IPC
 * backend both use this, so the two transports cannot drift apart.
 */
export const HTTP_CALLS: { [M in InvokeMethod]: (...args: Parameters<WindowApi[M]>) => HttpCall } = {
  getSession: () => ({ method: 'GET', path: '/session' }),
  getStatus: () => ({ method: 'GET', path: '/status' }),
  syncNow: (source) => ({ method: 'POST', path: '/sync', body: source === undefined ? {} : { source } }),
  listSources: () => ({ method: 'GET', path: '/sources' }),
  saveSource: (draft, original) => (original === undefined ? { method: 'POST', path: '/sources', body: draft } : { method: 'PUT', path: `/sources/${seg(original)}`, body: draft }),
  removeSource: (name) => ({ method: 'DELETE', path: `/sources/${seg(name)}` }),
  testConnection: (draft) => ({ method: 'POST', path: '/sources/test', body: draft }),
  discoverTables: (draft) => ({ method: 'POST', path: '/sources/discover', body: draft }),
  previewRows: (draft, table, rows) => ({ method: 'POST', path: '/sources/preview', body: { ...draft, table, rows } }),
  pauseSource: (name) => ({ method: 'POST', path: `/sources/${seg(name)}/pause`, body: {} }),
  resumeSource: (name) => ({ method: 'POST', path: `/sources/${seg(name)}/resume`, body: {} }),
  resyncSource: (name, stream) => ({ method: 'POST', path: `/sources/${seg(name)}/resync`, body: stream === undefined ? {} : { stream } }),
  listFiles: (source) => ({ method: 'GET', path: `/files${query({ source })}` }),
  approveFile: (source, sha256) => ({ method: 'POST', path: `/files/${seg(source)}/${seg(sha256)}/approve`, body: {} }),
  rejectFile: (source, sha256) => ({ method: 'POST', path: `/files/${seg(source)}/${seg(sha256)}/reject`, body: {} }),
  voidFile: (source, sha256) => ({ method: 'POST', path: `/files/${seg(source)}/${seg(sha256)}/void`, body: {} }),
  getQueue: () => ({ method: 'GET', path: '/queue' }),
  retryDeadLetters: (ids) => ({ method: 'POST', path: '/dlq/replay', body: { ids } }),
  discardDeadLetters: (ids) => ({ method: 'POST', path: '/dlq/discard', body: { ids } }),
  listShifts: () => ({ method: 'GET', path: '/shifts' }),
  listActivity: (filter) => ({ method: 'GET', path: `/activity${query(filter)}` }),
  listAudit: () => ({ method: 'GET', path: '/audit' }),
  getHistory: () => ({ method: 'GET', path: '/history' }),
  getCompleteness: (days) => ({ method: 'GET', path: `/completeness${query({ days: days === undefined ? undefined : String(days) })}` }),
  getSettings: () => ({ method: 'GET', path: '/settings' }),
  updateSettings: (change) => ({ method: 'PUT', path: '/settings', body: change }),
  enroll: (url, key) => ({ method: 'POST', path: '/settings/enroll', body: { url, key } }),
  setSecret: (ref, value) => ({ method: 'PUT', path: `/settings/secrets/${seg(ref)}`, body: { value } }),
  getDiagnostics: () => ({ method: 'GET', path: '/diagnostics' }),
  listAlerts: () => ({ method: 'GET', path: '/alerts' }),
  acknowledgeAlert: (code) => ({ method: 'POST', path: `/alerts/${seg(code)}/ack`, body: {} }),
  testAlertChannels: () => ({ method: 'POST', path: '/alerts/test', body: {} }),
  getQuarantineSummary: () => ({ method: 'GET', path: '/quarantine/summary' }),
  listQuarantine: (filter) => ({ method: 'GET', path: `/quarantine${query({ ...filter })}` }),
  editQuarantine: (id, data) => ({ method: 'PUT', path: `/quarantine/${id}/data`, body: { data } }),
  replayQuarantine: (ids, scope) => ({ method: 'POST', path: '/quarantine/replay', body: { ids, ...scope } }),
  discardQuarantine: (ids, scope) => ({ method: 'POST', path: '/quarantine/discard', body: { ids, ...scope } }),
  listMappings: () => ({ method: 'GET', path: '/mappings' }),
  previewMapping: (request) => ({ method: 'POST', path: '/mappings/preview', body: request }),
  saveMapping: (source, stream, text) => ({ method: 'PUT', path: `/mappings/${seg(source)}/${seg(stream)}`, body: { text } }),
  listWriteback: () => ({ method: 'GET', path: '/writeback' }),
  listConflicts: () => ({ method: 'GET', path: '/writeback/conflicts' }),
  resolveConflict: (id, choice) => ({ method: 'POST', path: `/writeback/${seg(id)}/resolve`, body: { choice } }),
  confirmWriteback: (id, applied) => ({ method: 'POST', path: `/writeback/${seg(id)}/confirm`, body: { applied } }),
  getExchange: () => ({ method: 'GET', path: '/exchange' }),
  getSinks: () => ({ method: 'GET', path: '/sinks' }),
};

/**
 * The least role each dashboard action needs: the dashboard hides or disables what its session's
 * role may not do. It mirrors the control API's route table (agents/control/v1), which the
 * renderer may not import; test/contract/action-roles.test.ts holds the two to the same answer.
 */
export const ACTION_ROLES: Record<InvokeMethod, Role> = {
  getSession: 'viewer',
  getStatus: 'viewer',
  listAudit: 'viewer',
  syncNow: 'operator',
  listSources: 'viewer',
  saveSource: 'admin',
  removeSource: 'admin',
  testConnection: 'admin',
  discoverTables: 'admin',
  previewRows: 'admin',
  pauseSource: 'operator',
  resumeSource: 'operator',
  resyncSource: 'admin',
  listFiles: 'viewer',
  approveFile: 'operator',
  rejectFile: 'operator',
  voidFile: 'admin',
  getQueue: 'viewer',
  retryDeadLetters: 'operator',
  discardDeadLetters: 'operator',
  listShifts: 'viewer',
  listActivity: 'viewer',
  getHistory: 'viewer',
  getCompleteness: 'viewer',
  getSettings: 'viewer',
  updateSettings: 'admin',
  enroll: 'admin',
  setSecret: 'admin',
  getDiagnostics: 'admin',
  listAlerts: 'viewer',
  acknowledgeAlert: 'operator',
  testAlertChannels: 'operator',
  getQuarantineSummary: 'viewer',
  listQuarantine: 'viewer',
  editQuarantine: 'operator',
  replayQuarantine: 'operator',
  discardQuarantine: 'operator',
  listMappings: 'viewer',
  previewMapping: 'operator',
  saveMapping: 'admin',
  listWriteback: 'viewer',
  listConflicts: 'viewer',
  resolveConflict: 'operator',
  confirmWriteback: 'operator',
  getExchange: 'viewer',
  getSinks: 'viewer',
};
