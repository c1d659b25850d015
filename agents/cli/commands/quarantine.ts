/**
 * `tya-agent quarantine list|show|edit|replay|discard` (issue 13 item 5). Through the running agent's
 * control API when one runs (its mapping pool, its delivery), otherwise on the data folder directly,
 * holding it so no agent starts meanwhile; replayed records are then sent when the agent next runs.
 */
import { readFileSync } from 'node:fs';
import type { JsonObject, JsonValue, QuarantineEntry, QuarantineFilter, ReplayResult } from '../../api/index.ts';
import { QuarantineFilterSchema } from '../../api/index.ts';
import { Agent } from '../../engine/agent.ts';
import { QuarantineActions } from '../../engine/stream-pipeline/quarantine-actions.ts';
import { runAsActor } from '../../outbox/audit-actor.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { busyError, findRunningAgent } from '../running-agent.ts';

export interface QuarantineCliOptions {
  config?: string;
  source?: string;
  stream?: string;
  status?: string;
  limit?: string;
  json?: boolean;
  all?: boolean;
  set?: string[];
  data?: string;
}

type Verb = 'list' | 'show' | 'edit' | 'replay' | 'discard';

export async function quarantineCommand(verb: Verb, rawIds: string[], opts: QuarantineCliOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(opts.config);
  const running = findRunningAgent(loaded.dataDir);
  if (running !== null && running.client === null) throw busyError(loaded.dataDir, running);
  const client = running?.client ?? null;
  const agent = client === null ? Agent.open({ loaded, lockAs: `quarantine ${verb}` }) : null;
  const local = agent === null ? null : new QuarantineActions(agent.outbox, agent.pipeline);
  const scope = { ...(opts.source === undefined ? {} : { source: opts.source }), ...(opts.stream === undefined ? {} : { stream: opts.stream }) };
  try {
    switch (verb) {
      case 'list': {
        const filter = parseFilter(opts);
        const entries = client ? await client.quarantine(filter) : local!.list(filter);
        if (opts.json) io.out(JSON.stringify(entries, null, 2));
        else printList(entries, io);
        return ExitCode.ok;
      }
      case 'show': {
        const id = parseIds(rawIds, false);
        const entry = client ? await client.quarantined(id[0]!) : local!.get(id[0]!);
        io.out(opts.json ? JSON.stringify(entry, null, 2) : describe(entry));
        return ExitCode.ok;
      }
      case 'edit': {
        const [id] = parseIds(rawIds, false);
        const current = client ? await client.quarantined(id!) : local!.get(id!);
        const data = editedData(current, opts);
        const entry = client ? await client.editQuarantined(id!, data) : runAsActor('cli', () => local!.edit(id!, data));
        io.out(`Record ${entry.id} corrected. Replay it with "tya-agent quarantine replay ${entry.id}".`);
        return ExitCode.ok;
      }
      case 'replay': {
        const ids = opts.all ? 'all' : parseIds(rawIds, true);
        const result = client
          ? await client.replayQuarantined({ ids: ids === 'all' ? 'all' : [...ids], ...scope })
          : await runAsActor('cli', () => local!.replay(ids, scope));
        io.out(opts.json ? JSON.stringify(result) : describeReplay(result, client !== null));
        return result.stillFailing > 0 ? ExitCode.incomplete : ExitCode.ok;
      }
      case 'discard':
        break;
    }
    const ids = opts.all ? 'all' : parseIds(rawIds, true);
    const count = client
      ? await client.discardQuarantined({ ids: ids === 'all' ? 'all' : [...ids], ...scope })
      : runAsActor('cli', () => local!.discard(ids, scope));
    io.out(opts.json ? JSON.stringify({ discarded: count }) : `${count} record${count === 1 ? '' : 's'} discarded (recorded in the audit log).`);
    return ExitCode.ok;
  } finally {
    await agent?.close();
  }
}

function parseFilter(opts: QuarantineCliOptions): QuarantineFilter {
  const parsed = QuarantineFilterSchema.safeParse({ source: opts.source, stream: opts.stream, status: opts.status, limit: opts.limit });
  if (!parsed.success) {
    throw new CliError(ExitCode.usage, 'quarantine_filter_invalid', `Not a valid filter: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}.`);
  }
  return parsed.data;
}

function parseIds(raw: string[], many: boolean): number[] {
  const ids = raw.map(Number);
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0) || (!many && ids.length !== 1)) {
    throw new CliError(ExitCode.usage, 'quarantine_ids_missing', `Name ${many ? 'the records' : 'one record'} by id (see "tya-agent quarantine list")${many ? ', or pass --all' : ''}.`);
  }
  return ids;
}

function editedData(entry: QuarantineEntry, opts: QuarantineCliOptions): JsonObject {
  if (opts.data !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.data, 'utf8'));
    } catch (error) {
      throw new CliError(ExitCode.usage, 'quarantine_data_invalid', `${opts.data} is not a readable JSON file (${(error as Error).message}).`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError(ExitCode.usage, 'quarantine_data_invalid', `${opts.data} must hold one JSON object: the record's fields.`);
    }
    return parsed as JsonObject;
  }
  if (opts.set === undefined || opts.set.length === 0) {
    throw new CliError(ExitCode.usage, 'quarantine_edit_empty', 'Say what to change: --set field=value (repeatable) or --data file.json.');
  }
  const data: JsonObject = { ...entry.data };
  for (const assignment of opts.set) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new CliError(ExitCode.usage, 'quarantine_edit_invalid', `"${assignment}" is not field=value.`);
    data[assignment.slice(0, eq)] = valueOf(assignment.slice(eq + 1));
  }
  return data;
}

/** `null`, `true`, `false`, objects and arrays as JSON; everything else as text (amounts stay exact text). */
function valueOf(text: string): JsonValue {
  if (text === 'null' || text === 'true' || text === 'false' || text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }
  return text;
}

function printList(entries: QuarantineEntry[], io: CliIo): void {
  if (entries.length === 0) {
    io.out('Nothing waits in quarantine.');
    return;
  }
  for (const e of entries) {
    const first = e.reasons[0];
    const why = first === undefined ? '' : `${first.code}${first.path === '' ? '' : ` at ${first.path}`}: ${first.message}`;
    const more = e.reasons.length > 1 ? ` (+${e.reasons.length - 1} more)` : '';
    io.out(`${String(e.id).padStart(6)}  ${e.status.padEnd(11)} ${e.source}/${e.stream} ${JSON.stringify(e.key)}  ${why}${more}`);
  }
}

function describe(e: QuarantineEntry): string {
  const lines = [
    `Record ${e.id}: ${e.status}, ${e.source}/${e.stream} key ${JSON.stringify(e.key)}${e.group === undefined ? '' : ` group ${e.group}`}, seq ${e.seq}`,
    `Captured ${e.capturedAt}, stopped by its ${e.stage} at ${e.quarantinedAt}${e.resolvedAt === undefined ? '' : `; ${e.status} at ${e.resolvedAt} by ${e.resolvedBy ?? 'unknown'}`}`,
    'Why:',
    ...e.reasons.map((r) => `  - [${r.severity}] ${r.code}${r.path === '' ? '' : ` at ${r.path}`}${r.value === undefined ? '' : ` (value ${JSON.stringify(r.value)})`}: ${r.message}`),
    `Data as read${e.originalData === undefined ? '' : ' (edited)'}: ${JSON.stringify(e.data ?? null)}`,
  ];
  if (e.originalData !== undefined) lines.push(`First read as: ${JSON.stringify(e.originalData)}`);
  return lines.join('\n');
}

function describeReplay(r: ReplayResult, running: boolean): string {
  const parts = [`${r.replayed} replayed${r.replayed > 0 && !running ? ' (sent when the agent next runs)' : ''}`, `${r.superseded} superseded by newer changes (not sent)`, `${r.stillFailing} still failing`];
  if (r.skipped > 0) parts.push(`${r.skipped} not found or already settled`);
  return `${parts.join(', ')}.${r.stillFailing > 0 ? ' See why with "tya-agent quarantine list".' : ''}`;
}
