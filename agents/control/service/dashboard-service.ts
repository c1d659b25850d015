/**
 * The engine side of the dashboard routes (DashboardPort): reads what the screens show and makes
 * the changes they ask for through the agent's one start/stop/reload path (Agent.applyConfig).
 */
import { EventEmitter } from 'node:events';
import type { AgentStatus, AuditDetails, CredentialUse, FileEntry, LiveEvent, SecretAge, SettingsView, Shift, SourceSummary } from '../../api/index.ts';
import { readEnrollment } from '../../delivery/index.ts';
import type { DataDirLayout } from '../../engine/data-dir.ts';
import type { LoadedConfig } from '../../engine/load-config.ts';
import type { Outbox } from '../../outbox/index.ts';
import { assertNotAuditKey } from '../../outbox/audit-log.ts';
import { rememberConfigFile } from '../../engine/audit-startup.ts';
import { isoNow, type Clock } from '../../pipeline/clock.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { VaultSecretResolver, type SecretStore } from '../../vault/index.ts';
import type { DashboardPort, SettingsChange, SourceDraft } from '../dashboard-port.ts';
import type { AgentPipeline } from '../../engine/stream-pipeline/agent-pipeline.ts';
import { QuarantineActions } from '../../engine/stream-pipeline/quarantine-actions.ts';
import { ActivityLog } from './activity-log.ts';
import { completenessRows, firstDayOfWindow } from './completeness-view.ts';
import { ConfigStore } from './config-store.ts';
import { diagnose } from './diagnostics-view.ts';
import { alertChannelSecrets, describeAlertChannels, testAlertChannels } from '../../engine/notify/channel-test.ts';
import { exchangeView } from './exchange-view.ts';
import { createWritebackPort } from './writeback-view.ts';
import { createMappingEditor } from './mapping-editor.ts';
import { folderFiles, folderShifts } from './files-view.ts';
import { documentShift } from './shifts-view.ts';
import { HistorySampler, SAMPLE_MS } from './history-sampler.ts';
import { OutboxReader } from './outbox-reader.ts';
import { discoverDraft, DraftSecretResolver, parseSourceDraft, previewDraft, testDraft } from './source-drafts.ts';

/** What the service needs of the running agent (Agent implements it). */
export interface AgentHost {
  readonly loaded: LoadedConfig;
  readonly outbox: Outbox;
  readonly secretStore: SecretStore;
  readonly logger: Logger;
  readonly layout: DataDirLayout;
  readonly agentClock: Clock;
  status(): AgentStatus;
  isPaused(name: string): boolean;
  setPaused(name: string, paused: boolean): void;
  resync(name: string, stream?: string): Promise<void>;
  applyConfig(next: LoadedConfig, options?: { restartSources?: readonly string[] }): Promise<void>;
  enroll(request: { url: string; key: string }): Promise<void>;
  readonly pipeline: AgentPipeline;
  /** Delivery looks at the queue now (a replay queued records). */
  wakeDelivery(): void;
  /** A command a part of the agent owns (agent-parts.ts); undefined when no part does. */
  partCommand(name: string, args: Readonly<Record<string, unknown>>): Promise<unknown> | undefined;
}

const OBSERVE_MS = 1000;
const SECRET_SET_AT = 'dashboard.secret-set-at:';

export interface DashboardService extends DashboardPort {
  /** Records a dead-letter retry/discard made through the control API; returns `count`. */
  noteDeadLetters(action: 'retried' | 'discarded', count: number): number;
  close(): void;
}

export function createDashboardService(host: AgentHost): DashboardService {
  const clock = host.agentClock;
  const now = () => isoNow(clock);
  const events = new EventEmitter<{ event: [LiveEvent] }>();
  const emit = (event: LiveEvent) => events.emit('event', event);
  const activity = new ActivityLog(host.outbox, now);
  const history = new HistorySampler(host.outbox);
  const reader = new OutboxReader(host.layout.outbox);
  const store = () => new ConfigStore(host.loaded.file, host.loaded.dataDir);
  /** Every config save goes through here, so each is one audit entry (what changed, by name; never values). */
  const saveConfig = (subject: string, details: AuditDetails, change: Parameters<ConfigStore['update']>[0]) => {
    const next = store().update(change);
    rememberConfigFile(host.outbox, next.file);
    host.outbox.audit.record({ event: 'config-changed', subject, details });
    return next;
  };
  const resolver = () => new VaultSecretResolver(host.secretStore);

  const observe = () => {
    try {
      if (activity.observe(host.status())) emit({ type: 'changed', topic: 'activity' });
    } catch (error) {
      host.logger.warn({ err: error }, 'Could not read the status for the activity log.');
    }
  };
  const sample = () => {
    const stats = host.outbox.stats();
    history.sample(clock.now(), stats.delivered, stats.depth);
  };
  sample();
  observe();
  const timers = [setInterval(observe, OBSERVE_MS), setInterval(sample, SAMPLE_MS)];
  for (const timer of timers) timer.unref();

  const secretAge = async (ref: string, usedBy: CredentialUse[]): Promise<SecretAge> => {
    const setAt = host.outbox.getState(`${SECRET_SET_AT}${ref}`) ?? null;
    const present = (await host.secretStore.get(ref).catch(() => undefined)) !== undefined;
    return { ref, setAt, present, usedBy };
  };

  const summary = async (name: string): Promise<SourceSummary> => {
    const config = host.loaded.config.sources.find((s) => s.name === name);
    if (config === undefined) throw new AgentError('unknown_source', `There is no source named "${name}".`);
    const raw = (store().readRaw().sources ?? []).find((s) => s.name === name) ?? config;
    const status = host.status().sources.find((s) => s.name === name);
    const ref = config.type === 'odbc' ? (config.password?.secretRef ?? null) : null;
    return {
      name,
      type: config.type,
      state: status?.state ?? 'stopped',
      paused: host.isPaused(name),
      lastSuccessAt: status?.lastSuccessAt ?? null,
      lastError: status?.lastError ?? null,
      recordsCaptured: status?.recordsCaptured ?? 0,
      config: raw,
      password: ref === null ? null : await secretAge(ref, [{ kind: 'source', name }]),
      ...(status?.schedule === undefined ? {} : { schedule: status.schedule }),
    };
  };

  const storeSecret = async (ref: string, value: string) => {
    assertNotAuditKey(ref);
    await host.secretStore.set(ref, value);
    host.outbox.setState(`${SECRET_SET_AT}${ref}`, now());
    host.outbox.audit.record({ event: 'secret-set', subject: ref });
  };

  const settings = async (): Promise<SettingsView> => {
    const { config, file } = host.loaded;
    const enrollment = readEnrollment(host.outbox);
    const refs = new Map<string, CredentialUse[]>();
    const use = (ref: string, by: CredentialUse) => refs.set(ref, [...(refs.get(ref) ?? []), by]);
    for (const source of config.sources) if (source.type === 'odbc' && source.password) use(source.password.secretRef, { kind: 'source', name: source.name });
    for (const { ref, kind } of alertChannelSecrets(config.notify)) use(ref, { kind });
    return {
      configFile: file,
      agentName: config.agent.name,
      cloud: { url: config.cloud.url, entity: config.cloud.entity, timeoutMs: config.cloud.timeoutMs, heartbeatIntervalSecs: config.cloud.heartbeatIntervalSecs },
      enrollment: { enrolled: enrollment !== null, agentId: enrollment?.agentId ?? null, cloudUrl: enrollment?.cloudUrl ?? null },
      logLevel: config.logging.level,
      secrets: await Promise.all([...refs].map(([ref, usedBy]) => secretAge(ref, usedBy))),
      alertChannels: describeAlertChannels(config.notify),
      history: store().history(),
    };
  };

  const allFiles = async (source?: string): Promise<FileEntry[]> => {
    const folders = host.loaded.config.sources.filter((s) => s.type === 'folder' && (source === undefined || s.name === source));
    const lists = await Promise.all(
      folders.map(async (f) =>
        f.type === 'folder' ? folderFiles(f, reader.files(f.name), { held: host.outbox.listHeldFiles(f.name), voids: host.outbox.listFileVoids(f.name) }) : [],
      ),
    );
    return lists.flat().sort((a, b) => b.at.localeCompare(a.at));
  };

  const service: DashboardService = {
    resendStream: async (source, stream) => {
      if (host.pipeline.pipelines.configOf(source, stream) === undefined) {
        throw new AgentError('stream_not_configured', `${source}/${stream} has no entry in the config's "streams" section.`);
      }
      const version = host.pipeline.raiseSchemaVersion(source, stream);
      host.outbox.audit.record({ event: 'config-changed', subject: `streams/${source}/${stream}`, details: { schemaVersion: version, resend: true } });
      await host.resync(source, stream);
      return version;
    },
    quarantine: new QuarantineActions(host.outbox, host.pipeline, { isPaused: (source) => host.isPaused(source), onQueued: () => host.wakeDelivery() }),
    mappings: createMappingEditor({ config: () => host.loaded, outbox: host.outbox, resolver, validation: { reference: host.pipeline.referenceRows, entityOf: (source) => host.pipeline.entityOf(source) } }),
    writeback: createWritebackPort({
      dataDir: host.layout.root,
      nowIso: now,
      wake: () => {
        const pass = host.partCommand('writeback-available', {});
        pass?.catch((error: unknown) => host.logger.warn({ err: error }, 'The write-back pass asked by the dashboard failed; it runs again on the next poll.'));
        return pass !== undefined;
      },
    }),
    exchange: () => exchangeView({ config: host.loaded.config, status: host.status(), dataDir: host.layout.root, fileInfo: (sha) => host.outbox.fileInfo(sha) ?? undefined }),
    listSources: () => Promise.all(host.loaded.config.sources.map((s) => summary(s.name))),
    sinks: () => host.outbox.sinks.status(host.loaded.config.sinks ?? []),

    async saveSource(draft: SourceDraft, original?: string) {
      const config = parseSourceDraft(draft);
      const raw = store().readRaw();
      const existing = raw.sources ?? [];
      if (original !== undefined && !existing.some((s) => s.name === original)) {
        throw new AgentError('unknown_source', `There is no source named "${original}".`);
      }
      if (existing.some((s) => s.name === config.name && s.name !== original)) {
        throw new AgentError('source_exists', `There is already a source named "${config.name}": choose another name.`);
      }
      // Nothing is written (neither keychain nor config) unless the source can actually be reached.
      const check = await testDraft(draft, resolver());
      if (!check.ok) throw new AgentError(check.code ?? 'source_check_failed', `Not saved: ${check.message}`);
      const input = { ...(draft.config as Record<string, unknown>) };
      if (config.type === 'odbc' && config.password !== undefined) input.password = config.password;
      const next = saveConfig(`sources/${config.name}`, { change: original === undefined ? 'added' : 'changed' }, (file) => ({
        ...file,
        sources: original === undefined ? [...(file.sources ?? []), input as never] : (file.sources ?? []).map((s) => (s.name === original ? (input as never) : s)),
      }));
      if (draft.password !== undefined && config.type === 'odbc' && config.password !== undefined) {
        await storeSecret(config.password.secretRef, draft.password);
      }
      await host.applyConfig(next, { restartSources: [config.name] });
      activity.add('config', original === undefined ? `Source ${config.name} was added.` : `Source ${config.name} was changed.`, config.name);
      emit({ type: 'changed', topic: 'sources' });
      return summary(config.name);
    },

    async removeSource(name) {
      if (!host.loaded.config.sources.some((s) => s.name === name)) throw new AgentError('unknown_source', `There is no source named "${name}".`);
      const next = saveConfig(`sources/${name}`, { change: 'removed' }, (file) => ({ ...file, sources: (file.sources ?? []).filter((s) => s.name !== name) }));
      await host.applyConfig(next);
      activity.add('config', `Source ${name} was removed; what it had queued is still sent.`, name);
      emit({ type: 'changed', topic: 'sources' });
    },

    testConnection: (draft) => testDraft(draft, resolver()),
    discoverTables: (draft) => discoverDraft(draft, resolver()),
    previewRows: (draft, table, rows) => previewDraft(draft, table, rows, resolver()),

    setPaused(name, paused) {
      host.setPaused(name, paused);
      activity.add('source', paused ? `${name} was paused.` : `${name} was resumed.`, name);
      emit({ type: 'changed', topic: 'sources' });
    },

    async resync(name, stream) {
      await host.resync(name, stream);
      activity.add('source', `${name}${stream === undefined ? '' : ` (${stream})`} is being read again from the start.`, name);
    },

    async files(options) {
      return (await allFiles(options.source)).slice(0, options.limit);
    },

    decideFile(source, sha256, decision) {
      const held = host.outbox.listHeldFiles(source).find((f) => f.sha256 === sha256 && f.state === 'held');
      if (held === undefined || !host.outbox.decideHeldFile(source, sha256, decision)) {
        throw new AgentError('file_not_held', `No file of ${source} with that content is waiting for approval: it may have been decided already.`);
      }
      if (decision === 'approved') host.outbox.audit.record({ event: 'held-file-approved', subject: `${source}/${held.name}`, details: { sha256 } });
      activity.add(
        'file',
        decision === 'approved' ? `${held.name} was approved and is being sent.` : `${held.name} was rejected: it goes to quarantine and nothing of it is sent.`,
        source,
      );
      emit({ type: 'changed', topic: 'files' });
    },

    async voidFile(source, sha256) {
      const file = (await allFiles(source)).find((f) => f.sha256 === sha256 && (f.outcome === 'imported' || f.outcome === 'voided'));
      if (file === undefined) {
        throw new AgentError('file_not_imported', `No imported file of ${source} has that content: only a file that was sent can be voided.`);
      }
      if (!host.outbox.requestFileVoid({ sha256, source, name: file.name, path: file.path })) {
        throw new AgentError('file_already_voided', `${file.name} was voided already.`);
      }
      host.outbox.audit.record({ event: 'file-voided', subject: `${source}/${file.name}`, details: { sha256 } });
      activity.add('file', `${file.name} was voided: deletes for its records are being sent to the cloud.`, source);
      emit({ type: 'changed', topic: 'files' });
    },

    queue(limit) {
      const stats = host.outbox.stats();
      const deadLetters = host.outbox.listDeadLetters({ limit }).map((d) => ({
        id: d.id,
        source: d.source,
        stream: d.stream,
        key: d.key,
        reasonCode: d.reasonCode,
        reasonMessage: d.reasonMessage,
        failedAt: d.failedAt,
        capturedAt: d.capturedAt,
        attempts: d.attempts,
      }));
      return { streams: reader.streams(clock.now()), deadLetters, deadLetterTotal: stats.deadLetters };
    },

    async shifts(options) {
      // A database's shift closes (sent as documents) and a folder's Z-report files, side by side.
      const shifts: Shift[] = host.outbox.shiftCloses(options).map(documentShift);
      for (const source of host.loaded.config.sources) {
        if (source.type !== 'folder' || source.kind === 'bank' || (options.source !== undefined && source.name !== options.source)) continue;
        shifts.push(...(await folderShifts(source, await allFiles(source.name))));
      }
      return shifts.sort((a, b) => b.closedAt.localeCompare(a.closedAt)).slice(0, options.limit);
    },

    activity: (options) => activity.list(options),

    auditLog: (options) => ({ entries: host.outbox.audit.list(options), head: host.outbox.audit.head(), acknowledgedHead: host.outbox.audit.acknowledgedHead() }),

    history() {
      const stats = host.outbox.stats();
      return history.points(clock.now(), stats.delivered, stats.depth);
    },

    completeness: (options) => completenessRows(host.outbox.dayTotals({ from: firstDayOfWindow(clock.now(), options.days) })),

    settings,

    async updateSettings(change: SettingsChange) {
      let next: LoadedConfig;
      try {
        next = saveConfig('settings', { fields: settingsFields(change) }, (file) => ({
          ...file,
          agent: { ...file.agent, ...(change.agentName === undefined ? {} : { name: change.agentName }) },
          cloud: { ...file.cloud, ...dropUndefined(change.cloud ?? {}) },
          ...(change.logLevel === undefined ? {} : { logging: { ...file.logging, level: change.logLevel } }),
        }));
      } catch (failure) {
        // The loader names the file and every bad field; the person at the form needs only the fields.
        if (failure instanceof AgentError && failure.code === 'config_invalid') {
          const fields = failure.message.split('\n').slice(1).map((line) => line.trim()).filter((line) => line !== '');
          throw new AgentError('settings_invalid', `Not saved: ${fields.length > 0 ? fields.join('; ') : failure.message}`);
        }
        throw failure;
      }
      await host.applyConfig(next);
      activity.add('config', 'The settings were changed.');
      emit({ type: 'changed', topic: 'settings' });
      return settings();
    },

    async enroll(request) {
      await host.enroll(request);
      activity.add('cloud', `This agent was enrolled with ${request.url}.`);
      emit({ type: 'changed', topic: 'settings' });
      return settings();
    },

    async setSecret(ref, value) {
      await storeSecret(ref, value);
      const users = host.loaded.config.sources.filter((s) => s.type === 'odbc' && s.password?.secretRef === ref).map((s) => s.name);
      if (users.length > 0) await host.applyConfig(host.loaded, { restartSources: users });
      activity.add('config', `The credential ${ref} was replaced.`);
      emit({ type: 'changed', topic: 'settings' });
    },

    diagnostics: (options) =>
      diagnose({
        config: host.loaded.config,
        dataDir: host.loaded.dataDir,
        logFile: host.layout.logFile,
        secrets: host.secretStore,
        resolver: new DraftSecretResolver(resolver(), undefined, undefined),
        lines: options.lines,
      }),

    // Events (a short shift, a rejected file) can be acknowledged; conditions (revoked, halted, a
    // failing source) cannot: they last while their cause does.
    acknowledgeAlert(code) {
      const acknowledged = host.outbox.acknowledgeAlerts([code]).acknowledged.includes(code);
      if (acknowledged) {
        activity.add('alert', `An alert was acknowledged (${code}).`);
        emit({ type: 'changed', topic: 'alerts' });
      }
      return acknowledged;
    },

    async testAlertChannels(only) {
      const results = await testAlertChannels({ agentName: host.loaded.config.agent.name, config: host.loaded.config.notify, secrets: resolver(), now: () => clock.now(), only });
      if (results.length > 0) {
        const outcomes = results.map((r) => `${r.channel} ${r.ok ? (r.unconfirmed ? 'sent' : 'received it') : 'failed'}`).join(', ');
        activity.add('alert', `A test alert was sent: ${outcomes}.`);
      }
      return results;
    },

    subscribe(listener) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },

    noteDeadLetters(action, count) {
      if (count > 0) {
        activity.add('queue', `${count} ${count === 1 ? 'change was' : 'changes were'} ${action === 'retried' ? 'put back in the queue to be sent again' : 'discarded (kept in the discard audit)'}.`);
        emit({ type: 'changed', topic: 'queue' });
      }
      return count;
    },

    close() {
      for (const timer of timers) clearInterval(timer);
      events.removeAllListeners();
      reader.close();
    },
  };
  return service;
}

/** Which settings a change touches, by name (`agentName, cloud.url`): never their values. */
function settingsFields(change: SettingsChange): string {
  const names = Object.entries(change as Record<string, unknown>).flatMap(([key, value]): string[] =>
    key === 'cloud' && typeof value === 'object' && value !== null ? Object.keys(value).map((k) => `cloud.${k}`) : value === undefined ? [] : [key],
  );
  return names.join(', ');
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
