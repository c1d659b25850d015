/**
 * What to write when the premises record is not the one the cloud's change was made against
 * (cloud-api.md § Write-back, Conflict). Pure: given base, cloud and premises values per field, the
 * target's policy decides; the applier does the I/O. Values are compared as text (see `fieldText`),
 * because drivers return the same column as a number on one database and a string on another.
 */
import type { WritebackItem } from '../api/writeback.ts';
import type { MergeRule, WritebackTarget } from '../api/writeback-config.ts';

export type Fields = Record<string, string | null>;

export interface Premises {
  data: Fields;
  version: string;
}

export type Decision =
  /** Write these item fields (all of the item's fields, some maybe taken from premises). */
  | { kind: 'write'; fields: Fields; conflicted: string[]; resolution: string }
  /** Leave the target as it is: the premises record wins. */
  | { kind: 'keep'; conflicted: string[]; resolution: string }
  /** Hold for a person. */
  | { kind: 'hold'; conflicted: string[] };

/** The text a value compares as: null stays null, everything else its JSON-ish text. */
export function fieldText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export function toFields(data: Record<string, unknown>): Fields {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, fieldText(v)]));
}

/** Fields of the item, each as base, cloud and premises see it. */
export function fieldViews(item: WritebackItem, premises: Premises | null): { field: string; base: string | null; cloud: string | null; premises: string | null }[] {
  const base = toFields(item.base?.data ?? {});
  const cloud = toFields(item.data);
  return Object.keys(cloud).map((field) => ({
    field,
    base: base[field] ?? null,
    cloud: cloud[field] ?? null,
    premises: premises?.data[field] ?? null,
  }));
}

/**
 * No conflict when the premises record is the base (same version), or there is neither a base nor a
 * premises record (the cloud created it and nobody made it here meanwhile).
 */
export function decide(target: WritebackTarget, item: WritebackItem, premises: Premises | null): Decision {
  const cloud = toFields(item.data);
  const unchanged = item.base === null ? premises === null : premises !== null && premises.version === item.base.version;
  if (unchanged) return { kind: 'write', fields: cloud, conflicted: [], resolution: 'no-conflict' };
  const views = fieldViews(item, premises);
  // A field conflicts when both sides moved it away from base, to different values.
  const conflicted = views
    .filter((v) => v.cloud !== v.base && v.premises !== v.base && v.cloud !== v.premises)
    .map((v) => v.field);
  switch (target.policy) {
    case 'cloud-wins':
      return { kind: 'write', fields: cloud, conflicted, resolution: 'cloud-wins' };
    case 'premises-wins':
      return { kind: 'keep', conflicted, resolution: 'premises-wins' };
    case 'newest':
      return newest(target, item, premises, cloud, conflicted);
    case 'merge':
      return { kind: 'write', fields: merged(target, views), conflicted, resolution: 'merge' };
    case 'manual':
      return { kind: 'hold', conflicted };
  }
}

function newest(target: WritebackTarget, item: WritebackItem, premises: Premises | null, cloud: Fields, conflicted: string[]): Decision {
  const column = target.newestColumn;
  const stamp = column === undefined ? null : (premises?.data[column] ?? null);
  const premisesAt = stamp === null ? Number.NaN : Date.parse(stamp.includes('T') || stamp.includes('Z') ? stamp : `${stamp.replace(' ', 'T')}Z`);
  const cloudAt = Date.parse(item.createdAt);
  // Without a readable premises timestamp the cloud's change (which has one) is taken as newer.
  if (Number.isNaN(premisesAt) || cloudAt >= premisesAt) return { kind: 'write', fields: cloud, conflicted, resolution: 'newest: cloud' };
  return { kind: 'keep', conflicted, resolution: 'newest: premises' };
}

/** A field changed on one side only takes that side's value; a field both changed follows its rule. */
function merged(target: WritebackTarget, views: ReturnType<typeof fieldViews>): Fields {
  const out: Fields = {};
  for (const v of views) {
    const cloudChanged = v.cloud !== v.base;
    const premisesChanged = v.premises !== v.base;
    let side: MergeRule;
    if (cloudChanged && premisesChanged) side = target.merge[v.field] ?? target.mergeDefault;
    else side = premisesChanged ? 'premises' : 'cloud';
    out[v.field] = side === 'cloud' ? v.cloud : v.premises;
  }
  return out;
}

/** Per field: a side, or a value a person typed. */
export type PersonChoice = Record<string, 'cloud' | 'premises' | 'base' | { value: string | null }>;

/** A person's per-field choice: each field from cloud, premises, base or typed (unlisted fields: cloud). */
export function resolveByPerson(item: WritebackItem, premises: Premises | null, choice: PersonChoice): Fields {
  const out: Fields = {};
  for (const v of fieldViews(item, premises)) {
    const pick = choice[v.field] ?? 'cloud';
    out[v.field] = typeof pick === 'string' ? v[pick] : pick.value;
  }
  return out;
}

/** The resolution as the audit log and the cloud's result say it: `name=premises, note=custom`. */
export function describeChoice(choice: PersonChoice): string {
  return Object.entries(choice).map(([f, s]) => `${f}=${typeof s === 'string' ? s : 'custom'}`).join(', ') || 'all cloud';
}
