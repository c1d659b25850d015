/**
 * Each configured stream's way from the source to the outbox (issue 13): map (JSONata in a limited
 * worker), cleanse, validate; what fails is marked for quarantine, beside the records that pass, so
 * one enqueue transaction numbers them all in capture order and advances the checkpoint. Files are
 * re-read when they change: a saved mapping applies to the next page, without a restart. A mapping or
 * rules file that does not load stops the stream (nothing is committed, the error is its status)
 * rather than quarantining everything; a broken edit of a file that worked keeps the last good one.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { MappingConfig, QuarantineReason, SourceRecord, StreamPipelineConfig } from '../../api/index.ts';
import type { MappingHandle, MappingPool } from '../../transforms/mapping/index.ts';
import { readMappingFile } from '../../transforms/mapping/mapping-file.ts';
import { buildLookupTables, type LookupTables } from '../../transforms/mapping/lookup-helper.ts';
import { loadPipelineModules, mappingModule } from './pipeline-modules.ts';
import { AgentError, describeError } from '../../pipeline/errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { QuarantineMark } from '../../outbox/quarantine-store.ts';
import type { PipelineRules, ReferenceRows, RulesLoader } from './pipeline-rules.ts';

export interface ProcessedPage {
  /** Same length and order as the page: mapped records, and the records as read where marked. */
  records: SourceRecord[];
  quarantine: Map<number, QuarantineMark>;
  /** Warnings that did not stop a record (duplicate business keys), for the log and the activity. */
  warnings: QuarantineReason[];
}

export interface StreamPipelinesOptions {
  /** The config file: mapping and rules paths are relative to its folder. */
  configFile: string;
  streams: () => readonly StreamPipelineConfig[];
  loadRules?: RulesLoader | undefined;
  reference: ReferenceRows;
  entityOf: (source: string) => string;
  logger: Logger;
}

interface Loaded<T> {
  file: string;
  stamp: string;
  value: T;
}

interface StreamState {
  /** `tables`: which copies of the lookups' lists the handle was loaded with (a newer copy reloads it). */
  mapping?: Loaded<{ config: MappingConfig; handle: MappingHandle; tables: string }>;
  rules?: Loaded<PipelineRules>;
}

export class StreamPipelines {
  readonly #options: StreamPipelinesOptions;
  readonly #states = new Map<string, StreamState>();
  #pool: MappingPool | null = null;

  constructor(options: StreamPipelinesOptions) {
    this.#options = options;
  }

  configOf(source: string, stream: string): StreamPipelineConfig | undefined {
    return this.#options.streams().find((s) => s.source === source && s.stream === stream);
  }

  /** Maps and validates one page; throws (nothing to commit) when the stream's files do not load. */
  async process(source: string, records: readonly SourceRecord[]): Promise<ProcessedPage> {
    const page: ProcessedPage = { records: [...records], quarantine: new Map(), warnings: [] };
    const stream = records[0]?.stream;
    const config = stream === undefined ? undefined : this.configOf(source, stream);
    if (config === undefined) return page;
    await loadPipelineModules(config);
    const state = this.#refresh(source, config);
    if (state.mapping !== undefined) await this.#map(state.mapping.value, page);
    if (state.rules !== undefined) this.#validate(source, state.rules.value, page);
    closeGroups(page);
    // Quarantine keeps the record as read: a person fixes that, and a replay maps it again.
    for (const index of page.quarantine.keys()) page.records[index] = records[index]!;
    return page;
  }

  /** Maps and validates records outside a read (a quarantine replay): the same steps, the same files. */
  processRecords(source: string, records: readonly SourceRecord[]): Promise<ProcessedPage> {
    return this.process(source, records);
  }

  async close(): Promise<void> {
    await this.#pool?.close();
    this.#pool = null;
  }

  #refresh(source: string, config: StreamPipelineConfig): StreamState {
    const id = `${source}\u0000${config.stream}`;
    const state = this.#states.get(id) ?? {};
    this.#states.set(id, state);
    const base = path.dirname(path.resolve(this.#options.configFile));
    if (config.mapping === undefined) this.#dropMapping(state);
    else {
      const file = path.resolve(base, config.mapping);
      const stamp = stampOf(file);
      if (state.mapping?.file !== file || state.mapping.stamp !== stamp) this.#loadMapping(source, state, file, stamp, config);
      else if (state.mapping.value.tables !== this.#tablesStamp(source, state.mapping.value.config)) this.#reloadWithNewLists(source, state.mapping.value);
    }
    if (config.rules === undefined) delete state.rules;
    else {
      const file = path.resolve(base, config.rules);
      const stamp = stampOf(file);
      if (state.rules?.file !== file || state.rules.stamp !== stamp) this.#loadRules(state, file, stamp);
    }
    return state;
  }

  /** The reference lists the stream's mapping looks values up in (refreshed with the rules' lists). */
  lookupLists(source: string, stream: string): string[] {
    const config = this.configOf(source, stream);
    if (config?.mapping === undefined) return [];
    const loaded = this.#states.get(`${source}\u0000${stream}`)?.mapping?.value.config;
    try {
      const mapping = loaded ?? readMappingFile(path.resolve(path.dirname(path.resolve(this.#options.configFile)), config.mapping));
      return Object.values(mapping.lookups ?? {}).map((l) => l.list);
    } catch {
      return []; // the stream reports its broken file itself
    }
  }

  #lookupTables(source: string, mapping: MappingConfig): LookupTables {
    const entity = this.#options.entityOf(source);
    return buildLookupTables(mapping.lookups, (list) => this.#options.reference.rows(entity, list));
  }

  /** Identifies the cached copies of the lists (the cache hands out one array per fetched copy). */
  #tablesStamp(source: string, mapping: MappingConfig): string {
    const entity = this.#options.entityOf(source);
    return Object.values(mapping.lookups ?? {})
      .map((lookup) => {
        const rows = this.#options.reference.rows(entity, lookup.list);
        if (rows === undefined) return '-';
        let id = listCopies.get(rows);
        if (id === undefined) listCopies.set(rows, (id = nextCopyId++));
        return String(id);
      })
      .join(',');
  }

  #reloadWithNewLists(source: string, value: { config: MappingConfig; handle: MappingHandle; tables: string }): void {
    this.#pool?.unload(value.handle);
    value.handle = this.#pool!.load(value.config, this.#lookupTables(source, value.config));
    value.tables = this.#tablesStamp(source, value.config);
    this.#options.logger.info({ stream: value.config.stream }, 'A reference list the mapping looks values up in changed; the next page uses the new copy.');
  }

  #loadMapping(source: string, state: StreamState, file: string, stamp: string, config: StreamPipelineConfig): void {
    try {
      const mapping = readMappingFile(file);
      if (mapping.stream !== config.stream) {
        throw new AgentError('mapping_stream_mismatch', `${file} maps stream "${mapping.stream}", but the config uses it for "${config.stream}".`, { hint: 'Point streams[].mapping at the mapping for this stream.' });
      }
      const { checkMapping, MappingPool } = mappingModule();
      const refusals = checkMapping(mapping);
      if (refusals.length > 0) {
        const list = refusals.map((r) => `  ${r.field}: ${r.message}`).join('\n');
        throw new AgentError('mapping_refused', `${file} is refused:\n${list}`, { hint: 'Fix the expressions (docs/mappings.md explains each refusal); the agent re-reads the file when it changes.' });
      }
      this.#pool ??= new MappingPool();
      const handle = this.#pool.load(mapping, this.#lookupTables(source, mapping));
      this.#dropMapping(state);
      state.mapping = { file, stamp, value: { config: mapping, handle, tables: this.#tablesStamp(source, mapping) } };
      this.#options.logger.info({ file, stream: config.stream }, 'Loaded the stream mapping; it applies to the page being captured now and every later one.');
    } catch (error) {
      this.#keepOrThrow(state.mapping, file, error);
    }
  }

  #loadRules(state: StreamState, file: string, stamp: string): void {
    const loader = this.#options.loadRules;
    try {
      if (loader === undefined) throw new AgentError('rules_unsupported', `${file}: this agent build cannot read rules files.`);
      state.rules = { file, stamp, value: loader(file) };
      this.#options.logger.info({ file }, 'Loaded the stream rules; they apply to the page being captured now and every later one.');
    } catch (error) {
      this.#keepOrThrow(state.rules, file, error);
    }
  }

  /** A file that worked and was then broken keeps working as it was; one that never loaded stops the stream. */
  #keepOrThrow(previous: Loaded<unknown> | undefined, file: string, error: unknown): void {
    const described = describeError(error);
    if (previous !== undefined && previous.file === file) {
      previous.stamp = stampOf(file);
      this.#options.logger.error({ file, errorType: described.code }, `${described.message} The last version that loaded stays in force.`);
      return;
    }
    throw error instanceof AgentError ? error : new AgentError('pipeline_file_invalid', described.message, { cause: error });
  }

  #dropMapping(state: StreamState): void {
    if (state.mapping !== undefined) this.#pool?.unload(state.mapping.value.handle);
    delete state.mapping;
  }

  async #map(mapping: { handle: MappingHandle }, page: ProcessedPage): Promise<void> {
    const pool = this.#pool!;
    // The whole page at once: the pool keeps its thread busy instead of one round trip per record.
    const results = await Promise.all(
      page.records.map((record) =>
        record.op === 'delete' || record.data === undefined ? Promise.resolve(null) : pool.map(mapping.handle, { key: record.key, data: record.data }),
      ),
    );
    for (const [i, record] of page.records.entries()) {
      const result = results[i];
      if (result === null || result === undefined) continue;
      if (result.ok) page.records[i] = { ...record, data: result.output };
      else {
        // A lookup list never fetched holds the record (replayed when the list arrives), like a rule's.
        const held = result.error.code === 'reference_unavailable';
        const reason: QuarantineReason = { code: held ? 'reference_unavailable' : `mapping_${result.error.code}`, path: result.error.field ?? '', message: result.error.message, severity: held ? 'hold' : 'reject' };
        page.quarantine.set(i, { stage: 'mapping', reasons: [reason] });
      }
    }
  }

  #validate(source: string, rules: PipelineRules, page: ProcessedPage): void {
    // A group with a member its mapping stopped is not judged: its sums would be of part of an entry.
    const stoppedGroups = new Set<string | undefined>([...page.quarantine.keys()].map((i) => page.records[i]?.group).filter((g) => g !== undefined));
    const indexes = page.records.map((_, i) => i).filter((i) => !page.quarantine.has(i) && !stoppedGroups.has(page.records[i]!.group));
    const cleansed = indexes.map((i) => {
      const record = page.records[i]!;
      return record.data === undefined ? record : { ...record, data: rules.cleanse(record.data) };
    });
    const failures = rules.validate(
      cleansed.map((r) => ({ key: r.key, group: r.group, data: r.op === 'delete' ? undefined : r.data })),
      { entity: this.#options.entityOf(source), reference: this.#options.reference },
    );
    indexes.forEach((index, n) => {
      page.records[index] = cleansed[n]!;
      const found = failures[n] ?? [];
      const stopping = found.filter((f) => f.severity !== 'warn');
      page.warnings.push(...found.filter((f) => f.severity === 'warn'));
      if (stopping.length > 0) page.quarantine.set(index, { stage: 'validation', reasons: stopping });
    });
  }
}

/** A group is sent whole or not at all: one stopped member stops the others, saying why. */
function closeGroups(page: ProcessedPage): void {
  const stopped = new Set<string>();
  for (const index of page.quarantine.keys()) {
    const group = page.records[index]?.group;
    if (group !== undefined) stopped.add(group);
  }
  if (stopped.size === 0) return;
  page.records.forEach((record, i) => {
    if (record.group === undefined || !stopped.has(record.group) || page.quarantine.has(i)) return;
    page.quarantine.set(i, {
      stage: 'validation',
      reasons: [{ code: 'group_member_quarantined', path: '', message: `Another record of group ${record.group} was quarantined; a group is sent whole, so this one waits with it.`, severity: 'reject' }],
    });
  });
}

const listCopies = new WeakMap<object, number>();
let nextCopyId = 1;

function stampOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
  } catch {
    return 'missing';
  }
}
