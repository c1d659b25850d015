/**
 * `tya-agent writeback list|conflicts|resolve|confirm`: the cloud's write-back items and the conflicts
 * waiting for a person. A decision is stored in writeback.db; the running agent applies it on its
 * next pass (within writeback.pollSecs) and records it in the audit log, so this works whether or not
 * the agent runs right now.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fieldViews } from '../../writeback/conflict-policy.ts';
import { WRITEBACK_DB } from '../../writeback/writeback-part.ts';
import { WritebackState, type FieldChoice } from '../../writeback/writeback-state.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export type WritebackAction = 'list' | 'conflicts' | 'resolve' | 'confirm';
export type Side = 'cloud' | 'premises' | 'base';

export interface WritebackCliOptions {
  config?: string;
  /** For tests and tools that know the data folder already. */
  dataDir?: string;
  id?: string;
  field?: string[];
  /** `name=text`: a value the person types instead of either side's (the dashboard's "custom"). */
  set?: string[];
  /** Field names to write as NULL (an empty `--set name=` writes an empty string, not NULL). */
  setNull?: string[];
  all?: 'cloud' | 'premises';
  applied?: boolean;
  notApplied?: boolean;
  json?: boolean;
}

export function writebackCommand(action: WritebackAction, options: WritebackCliOptions, io: CliIo): ExitCodeValue {
  const dataDir = options.dataDir ?? resolveConfig(options.config).dataDir;
  const path = join(dataDir, WRITEBACK_DB);
  if (!existsSync(path)) {
    io.out('No write-back items yet (the config has no "writeback" targets, or the agent has not fetched any).');
    return ExitCode.ok;
  }
  const state = new WritebackState(path);
  try {
    switch (action) {
      case 'list':
        return list(state, options, io);
      case 'conflicts':
        return conflicts(state, options, io);
      case 'resolve':
        return resolve(state, options, io);
      case 'confirm':
        return confirm(state, options, io);
    }
  } finally {
    state.close();
  }
}

function list(state: WritebackState, options: WritebackCliOptions, io: CliIo): ExitCodeValue {
  const items = state.all().map((s) => ({
    id: s.id,
    target: s.target,
    key: s.keyJson,
    seq: s.seq,
    state: s.state,
    status: s.result?.status ?? null,
    resolution: s.result?.resolution ?? null,
    reported: s.reported,
  }));
  if (options.json) io.out(JSON.stringify(items, null, 2));
  else for (const i of items) io.out(`${i.id}  ${i.target} ${i.key} seq ${i.seq}  ${i.state}${i.resolution ? ` (${i.resolution})` : ''}${i.reported ? '' : '  not reported yet'}`);
  return ExitCode.ok;
}

function conflicts(state: WritebackState, options: WritebackCliOptions, io: CliIo): ExitCodeValue {
  const rows = state.conflicts().map((c) => {
    const item = state.get(c.id)!.item;
    return { id: c.id, target: item.target, key: item.key, fields: fieldViews(item, { data: c.premises as Record<string, string | null>, version: c.premisesVersion }), conflicted: c.fields };
  });
  if (options.json) {
    io.out(JSON.stringify(rows, null, 2));
    return ExitCode.ok;
  }
  if (rows.length === 0) io.out('No conflicts are waiting.');
  for (const row of rows) {
    io.out(`${row.id}  target ${row.target}  key ${JSON.stringify(row.key)}`);
    io.out('  field                base                 cloud                premises');
    for (const f of row.fields) {
      const mark = row.conflicted.includes(f.field) ? '*' : ' ';
      io.out(`${mark} ${f.field.padEnd(20)} ${String(f.base).padEnd(20)} ${String(f.cloud).padEnd(20)} ${String(f.premises)}`);
    }
  }
  return ExitCode.ok;
}

/**
 * `--field name=cloud|premises|base ...`, `--set name=text ...`, `--set-null name ...` (each field
 * at most once), or `--all cloud|premises`.
 */
export function parseChoice(options: WritebackCliOptions, fields: string[]): Record<string, FieldChoice> {
  if (options.all !== undefined) return Object.fromEntries(fields.map((f) => [f, options.all!]));
  const choice: Record<string, FieldChoice> = {};
  const take = (flag: string, spec: string, name: string | undefined, value: FieldChoice) => {
    if (name === undefined || !fields.includes(name)) {
      throw new CliError(ExitCode.usage, 'writeback_bad_field', `"${flag} ${spec}" names no field of the item; its fields are ${fields.join(', ')}.`);
    }
    if (name in choice) {
      throw new CliError(ExitCode.usage, 'writeback_field_twice', `The field "${name}" is chosen twice; give each field one --field, --set or --set-null.`);
    }
    choice[name] = value;
  };
  for (const spec of options.field ?? []) {
    const m = /^([^=]+)=(cloud|premises|base)$/.exec(spec);
    if (m === null) {
      throw new CliError(ExitCode.usage, 'writeback_bad_field', `"--field ${spec}" must be name=cloud|premises|base (to type a value of your own, use --set name=value).`);
    }
    take('--field', spec, m[1], m[2] as Side);
  }
  for (const spec of options.set ?? []) {
    const at = spec.indexOf('=');
    if (at <= 0) throw new CliError(ExitCode.usage, 'writeback_bad_set', `"--set ${spec}" must be name=value (the value may be empty; for NULL use --set-null name).`);
    take('--set', spec, spec.slice(0, at), { value: spec.slice(at + 1) });
  }
  for (const name of options.setNull ?? []) take('--set-null', name, name, { value: null });
  if (Object.keys(choice).length === 0) {
    throw new CliError(ExitCode.usage, 'writeback_no_choice', 'Say what to keep: --field name=cloud|premises|base, --set name=value or --set-null name (per field), or --all cloud|premises.');
  }
  return choice;
}

function resolve(state: WritebackState, options: WritebackCliOptions, io: CliIo): ExitCodeValue {
  const stored = options.id === undefined ? undefined : state.get(options.id);
  if (stored === undefined || stored.state !== 'conflict-waiting') {
    throw new CliError(ExitCode.usage, 'writeback_not_waiting', `${options.id ?? '(no id)'} is not a conflict waiting for a person; see "tya-agent writeback conflicts".`);
  }
  const choice = parseChoice(options, Object.keys(stored.item.data));
  state.decide({ id: stored.id, kind: 'resolve', choice }, new Date().toISOString());
  io.out(`Resolution of ${stored.id} stored; the agent writes it on its next pass and records it in the audit log.`);
  return ExitCode.ok;
}

function confirm(state: WritebackState, options: WritebackCliOptions, io: CliIo): ExitCodeValue {
  const stored = options.id === undefined ? undefined : state.get(options.id);
  if (stored === undefined || stored.state !== 'outcome-unknown') {
    throw new CliError(ExitCode.usage, 'writeback_not_unknown', `${options.id ?? '(no id)'} is not an item whose outcome is unknown; see "tya-agent writeback list".`);
  }
  if (options.applied === options.notApplied) {
    throw new CliError(ExitCode.usage, 'writeback_confirm_which', 'Say either --applied (it is in the target) or --not-applied (it is not; the agent writes it again).');
  }
  state.decide({ id: stored.id, kind: 'confirm', applied: options.applied === true }, new Date().toISOString());
  io.out(`Confirmation of ${stored.id} stored; the agent reports it on its next pass.`);
  return ExitCode.ok;
}
