/**
 * When may the agent restart into a downloaded update (issue 16 item 7)? A pure function of what
 * the caller observed and the instant `nowMs`: no clock is read here, so every rule is tested with
 * explicit dates. The rules, strongest first:
 *   1. never while an upload is in flight or a backfill chunk is open: both end within minutes, and
 *      a restart there means sending the batch or reading the chunk again;
 *   2. never during an open shift (the POS data shows the opening and the close has not arrived),
 *      because the close is the moment the bookkeeper waits for;
 *   3. a store open around the clock always has a shift open: it updates at the next shift change,
 *      the short moment after every register's close and before the next shift is far along;
 *   4. no update waits more than `maxWaitMs` (24 h): past it, rule 2 yields (a till left open for
 *      days must not pin an old agent forever), rule 1 does not.
 */

export interface ShiftObservation {
  /** The register (till) the shift belongs to, for the words. */
  register: string;
  /** Latest evidence of an opening in the POS data: an opening event, or the first receipt after the last close. */
  openedAtMs: number | null;
  /** The last close that arrived (its Z report's or shift-close record's time). */
  closedAtMs: number | null;
}

export interface UpdateInputs {
  nowMs: number;
  /** When the update was downloaded and became ready to install. */
  pendingSinceMs: number;
  shifts: readonly ShiftObservation[];
  /** The store trades around the clock: its shift change, not a closed store, is the moment to update. */
  aroundTheClock: boolean;
  uploadsInFlight: number;
  backfillChunkOpen: boolean;
}

export interface UpdatePolicyOptions {
  /** No update waits longer than this (default 24 h). */
  maxWaitMs: number;
  /** Around the clock: how long after a close the shift change still counts (default 15 min). */
  shiftChangeWindowMs: number;
  /** How soon to look again while a shift is open (default 5 min). */
  recheckMs: number;
  /** How soon to look again while an upload or a backfill chunk runs (default 30 s). */
  busyRecheckMs: number;
}

export const DEFAULT_UPDATE_POLICY: UpdatePolicyOptions = {
  maxWaitMs: 24 * 3_600_000,
  shiftChangeWindowMs: 15 * 60_000,
  recheckMs: 5 * 60_000,
  busyRecheckMs: 30_000,
};

export type UpdateWaitReason = 'upload_in_flight' | 'backfill_chunk' | 'shift_open' | 'waiting_for_shift_change';
export type UpdateInstallReason = 'no_shift_open' | 'shift_change' | 'max_wait_reached';

export type UpdateDecision =
  | { action: 'install-now'; reason: UpdateInstallReason; message: string }
  | { action: 'wait'; reason: UpdateWaitReason; message: string; retryAtMs: number };

export function isShiftOpen(shift: ShiftObservation): boolean {
  if (shift.openedAtMs === null) return false;
  return shift.closedAtMs === null || shift.openedAtMs > shift.closedAtMs;
}

export function decideUpdate(inputs: UpdateInputs, options: UpdatePolicyOptions = DEFAULT_UPDATE_POLICY): UpdateDecision {
  const { nowMs } = inputs;
  const busyRetry = nowMs + options.busyRecheckMs;
  if (inputs.uploadsInFlight > 0) {
    return { action: 'wait', reason: 'upload_in_flight', retryAtMs: busyRetry, message: `The update waits: ${inputs.uploadsInFlight} upload(s) in flight.` };
  }
  if (inputs.backfillChunkOpen) {
    return { action: 'wait', reason: 'backfill_chunk', retryAtMs: busyRetry, message: 'The update waits for the backfill chunk being read to be committed.' };
  }
  const deadline = inputs.pendingSinceMs + options.maxWaitMs;
  const open = inputs.shifts.filter(isShiftOpen);
  if (open.length === 0) {
    return { action: 'install-now', reason: 'no_shift_open', message: 'No shift is open: the update installs now.' };
  }
  if (nowMs >= deadline) {
    return {
      action: 'install-now',
      reason: 'max_wait_reached',
      message: `The update has waited ${hours(nowMs - inputs.pendingSinceMs)} h for ${describeOpen(open)} to close; it installs now, as no update waits more than ${hours(options.maxWaitMs)} h.`,
    };
  }
  const retryAtMs = Math.min(nowMs + options.recheckMs, deadline);
  if (!inputs.aroundTheClock) {
    return { action: 'wait', reason: 'shift_open', retryAtMs, message: `The update waits for ${describeOpen(open)} to close.` };
  }
  // Around the clock, the next shift opens right after a close: a change is every open register
  // having closed within the window, so the new shifts are only minutes old.
  const atChange = open.every((shift) => shift.closedAtMs !== null && nowMs - shift.closedAtMs <= options.shiftChangeWindowMs && shift.closedAtMs <= nowMs);
  if (atChange) {
    return { action: 'install-now', reason: 'shift_change', message: 'The store trades around the clock and its shift has just changed: the update installs now.' };
  }
  return { action: 'wait', reason: 'waiting_for_shift_change', retryAtMs, message: `The store trades around the clock: the update waits for the next shift change (${describeOpen(open)}).` };
}

function describeOpen(open: readonly ShiftObservation[]): string {
  const names = open.map((shift) => shift.register).sort();
  return names.length === 1 ? `the open shift on register ${names[0]}` : `the open shifts on registers ${names.join(', ')}`;
}

function hours(ms: number): string {
  return (ms / 3_600_000).toFixed(1).replace(/\.0$/, '');
}
