/**
 * The shifts as the POS data shows them, for the update policy: per register, the last close that
 * arrived (a Z report's or shift-close record's `closedAt`) and the first sign of a shift after it
 * (the first receipt, or an explicit opening event). Times are RFC 3339 with their offset, as the
 * formats keep them, so a shift past midnight in any zone compares right. A time that cannot be read
 * is an error, not a skipped row: skipping could hide an open shift and restart the agent inside it.
 */
import { AgentError } from '../../pipeline/errors.ts';
import type { ShiftObservation } from './update-policy.ts';

export interface PosClose {
  register: string;
  closedAt: string;
}

export interface PosActivity {
  register: string;
  /** A receipt's time, or an opening event's. */
  at: string;
}

export function observeShifts(closes: readonly PosClose[], activity: readonly PosActivity[]): ShiftObservation[] {
  const lastClose = new Map<string, number>();
  for (const close of closes) {
    const at = instant(close.closedAt, `the close of register ${close.register}`);
    lastClose.set(close.register, Math.max(lastClose.get(close.register) ?? at, at));
  }
  const firstAfter = new Map<string, number>();
  for (const item of activity) {
    const at = instant(item.at, `activity on register ${item.register}`);
    const closed = lastClose.get(item.register);
    if (closed !== undefined && at <= closed) continue;
    firstAfter.set(item.register, Math.min(firstAfter.get(item.register) ?? at, at));
  }
  const registers = [...new Set([...lastClose.keys(), ...firstAfter.keys()])].sort();
  return registers.map((register) => ({ register, openedAtMs: firstAfter.get(register) ?? null, closedAtMs: lastClose.get(register) ?? null }));
}

function instant(text: string, what: string): number {
  const ms = /(?:Z|[+-]\d\d:\d\d)$/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new AgentError('shift_time_unreadable', `The time "${text}" of ${what} is not an RFC 3339 time with an offset, so whether a shift is open cannot be told.`, {
      hint: 'Map the POS time column with its zone (e.g. 2026-12-05T22:41:00+01:00); until then the update waits for its 24-hour limit.',
    });
  }
  return ms;
}
