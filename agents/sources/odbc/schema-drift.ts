/**
 * Schema drift: the table a stream reads no longer has the columns the stream was planned with. A
 * renamed column must not quietly turn into NULLs, a retyped one must not change its values' form
 * unnoticed, so such changes stop the stream (and only it) with a message naming the table, the
 * columns and what changed. Added columns are accepted (with a warning): their values simply
 * appear in the records from then on, and nothing that was there before is lost or moved.
 *
 * The planned columns are kept in each checkpoint, so drift that happened while the agent was not
 * running is noticed at the next start too.
 */
import type { JsonValue } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import type { ColumnPlan, TablePlan } from './dialects/index.ts';

/** `[name, type]`; the type without length modifiers where they change nothing read (text, integers). */
export type ColumnSignature = [name: string, type: string];

export type SchemaChange =
  | { kind: 'added'; column: string; type: string }
  | { kind: 'dropped'; column: string; type: string }
  | { kind: 'renamed'; column: string; to: string; type: string }
  | { kind: 'retyped'; column: string; from: string; to: string };

export function columnSignature(column: ColumnPlan): ColumnSignature {
  const type = column.typeName.toLowerCase();
  // varchar(20) → varchar(40) or int(11) → int reads the same values the same way.
  const loose = column.kind === 'text' || column.kind === 'integer';
  return [column.name, loose ? type.replace(/\(\s*\d+\s*\)/, '') : type];
}

export function tableSignature(table: TablePlan): ColumnSignature[] {
  return table.columns.map(columnSignature);
}

/** The signatures stored in a checkpoint, or null when it has none (written by an older agent). */
export function parseSignatures(value: JsonValue | undefined): ColumnSignature[] | null {
  if (!Array.isArray(value)) return null;
  const ok = value.every((entry) => Array.isArray(entry) && entry.length === 2 && entry.every((part) => typeof part === 'string'));
  return ok ? (value as ColumnSignature[]) : null;
}

export function compareColumns(planned: readonly ColumnSignature[], current: readonly ColumnSignature[]): SchemaChange[] {
  const now = new Map(current.map(([name, type]) => [name, type]));
  const before = new Map(planned.map(([name, type]) => [name, type]));
  const changes: SchemaChange[] = [];
  const dropped = planned.filter(([name]) => !now.has(name));
  const added = current.filter(([name]) => !before.has(name));
  for (const [name, type] of planned) {
    const to = now.get(name);
    if (to !== undefined && to !== type) changes.push({ kind: 'retyped', column: name, from: type, to });
  }
  // The same number gone and come, of the same types in the same order: most likely renames.
  const renames = dropped.length > 0 && dropped.length === added.length && dropped.every(([, type], i) => added[i]![1] === type);
  if (renames) {
    dropped.forEach(([name, type], i) => changes.push({ kind: 'renamed', column: name, to: added[i]![0], type }));
  } else {
    for (const [name, type] of dropped) changes.push({ kind: 'dropped', column: name, type });
    for (const [name, type] of added) changes.push({ kind: 'added', column: name, type });
  }
  return changes;
}

/** True when every change is an added column (accepted). */
export function onlyAdded(changes: readonly SchemaChange[]): boolean {
  return changes.every((change) => change.kind === 'added');
}

export function describeChange(change: SchemaChange): string {
  switch (change.kind) {
    case 'added':
      return `column "${change.column}" (${change.type}) was added`;
    case 'dropped':
      return `column "${change.column}" (${change.type}) was dropped`;
    case 'renamed':
      return `column "${change.column}" was renamed to "${change.to}" (or dropped while "${change.to}" was added)`;
    case 'retyped':
      return `column "${change.column}" changed type from ${change.from} to ${change.to}`;
  }
}

export interface DriftContext {
  source: string;
  stream: string;
  table: string;
}

export function schemaDriftError(context: DriftContext, changes: readonly SchemaChange[]): PermanentError {
  return new PermanentError(
    'schema_drift',
    `Source "${context.source}", stream "${context.stream}": table ${context.table} changed since the stream was planned: ` +
      `${changes.map(describeChange).join('; ')}. The stream stopped so no value is lost or lands in the wrong field; ` +
      'the other streams keep running.',
    {
      hint:
        'If the change is intended, resync the stream (its checkpoint is reset and the table is read again with its new ' +
        'columns; the cloud ignores rows it already has). Otherwise restore the table as it was.',
    },
  );
}

export function tableDroppedError(context: DriftContext): PermanentError {
  return new PermanentError(
    'schema_drift',
    `Source "${context.source}", stream "${context.stream}": table ${context.table} no longer exists (or this user can no ` +
      'longer see it). The stream stopped; the other streams keep running.',
    {
      hint:
        'If the table was renamed or moved, correct "table" in the stream\'s configuration; if it was dropped on purpose, ' +
        'remove the stream. A restored table is picked up by itself.',
    },
  );
}
