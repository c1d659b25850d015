/** The update policy with explicit instants: open shifts (one overnight), a 24/7 store, the 24 h cap, busy moments. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_UPDATE_POLICY, decideUpdate, isShiftOpen, type UpdateInputs } from './update-policy.ts';

const at = (iso: string) => Date.parse(iso);

function inputs(overrides: Partial<UpdateInputs>): UpdateInputs {
  return { nowMs: at('2026-12-05T12:00:00Z'), pendingSinceMs: at('2026-12-05T11:00:00Z'), shifts: [], aroundTheClock: false, uploadsInFlight: 0, backfillChunkOpen: false, ...overrides };
}

describe('an ordinary store (closes at night)', () => {
  // A bar in Berlin: register 1 opened Fri 18:00 local and closes after midnight.
  const overnight = { register: '1', openedAtMs: at('2026-12-04T17:00:00Z'), closedAtMs: at('2026-12-04T01:12:00Z') };

  it('waits through an overnight shift, re-asking in 5 minutes, and installs once the close arrives', () => {
    const night = decideUpdate(inputs({ nowMs: at('2026-12-04T23:30:00Z'), pendingSinceMs: at('2026-12-04T20:00:00Z'), shifts: [overnight] }));
    expect(night).toEqual({
      action: 'wait',
      reason: 'shift_open',
      retryAtMs: at('2026-12-04T23:35:00Z'),
      message: 'The update waits for the open shift on register 1 to close.',
    });
    const afterClose = decideUpdate(inputs({
      nowMs: at('2026-12-05T01:20:00Z'),
      pendingSinceMs: at('2026-12-04T20:00:00Z'),
      shifts: [{ ...overnight, closedAtMs: at('2026-12-05T01:14:00Z') }],
    }));
    expect(afterClose).toMatchObject({ action: 'install-now', reason: 'no_shift_open' });
  });

  it('one open register among closed ones still holds the update, and names it', () => {
    const decision = decideUpdate(inputs({
      shifts: [
        { register: '1', openedAtMs: at('2026-12-05T08:00:00Z'), closedAtMs: at('2026-12-05T11:00:00Z') },
        { register: '2', openedAtMs: at('2026-12-05T09:00:00Z'), closedAtMs: at('2026-12-04T20:00:00Z') },
        { register: '3', openedAtMs: null, closedAtMs: null },
      ],
    }));
    expect(decision).toMatchObject({ action: 'wait', reason: 'shift_open', message: 'The update waits for the open shift on register 2 to close.' });
  });

  it('an opening with no close yet is open; a register never seen open is not', () => {
    expect(isShiftOpen({ register: 'a', openedAtMs: 1, closedAtMs: null })).toBe(true);
    expect(isShiftOpen({ register: 'a', openedAtMs: null, closedAtMs: 5 })).toBe(false);
    expect(isShiftOpen({ register: 'a', openedAtMs: 5, closedAtMs: 5 })).toBe(false);
  });

  it('never waits more than 24 h: a till left open installs at the cap, and the wait before it ends at the cap', () => {
    const pendingSinceMs = at('2026-12-04T12:00:00Z');
    const stuck = [{ register: '7', openedAtMs: at('2026-12-03T08:00:00Z'), closedAtMs: at('2026-12-02T22:00:00Z') }];
    const before = decideUpdate(inputs({ nowMs: at('2026-12-05T11:58:00Z'), pendingSinceMs, shifts: stuck }));
    expect(before).toMatchObject({ action: 'wait', reason: 'shift_open', retryAtMs: at('2026-12-05T12:00:00Z') });
    const cap = decideUpdate(inputs({ nowMs: at('2026-12-05T12:00:00Z'), pendingSinceMs, shifts: stuck }));
    expect(cap).toEqual({
      action: 'install-now',
      reason: 'max_wait_reached',
      message: 'The update has waited 24 h for the open shift on register 7 to close; it installs now, as no update waits more than 24 h.',
    });
  });
});

describe('a store open around the clock', () => {
  const base = { aroundTheClock: true, pendingSinceMs: at('2026-12-05T03:00:00Z') };

  it('waits mid-shift and installs at the next shift change (every register closed minutes ago)', () => {
    const midShift = [
      { register: 'A', openedAtMs: at('2026-12-05T06:00:40Z'), closedAtMs: at('2026-12-05T06:00:10Z') },
      { register: 'B', openedAtMs: at('2026-12-05T06:01:00Z'), closedAtMs: at('2026-12-05T06:00:30Z') },
    ];
    expect(decideUpdate(inputs({ ...base, nowMs: at('2026-12-05T09:00:00Z'), shifts: midShift }))).toMatchObject({
      action: 'wait',
      reason: 'waiting_for_shift_change',
      retryAtMs: at('2026-12-05T09:05:00Z'),
    });
    const change = [
      { register: 'A', openedAtMs: at('2026-12-05T14:00:40Z'), closedAtMs: at('2026-12-05T14:00:10Z') },
      { register: 'B', openedAtMs: at('2026-12-05T14:01:00Z'), closedAtMs: at('2026-12-05T14:00:30Z') },
    ];
    expect(decideUpdate(inputs({ ...base, nowMs: at('2026-12-05T14:05:00Z'), shifts: change }))).toMatchObject({ action: 'install-now', reason: 'shift_change' });
    // 20 minutes on, the new shift is under way: the change is over.
    expect(decideUpdate(inputs({ ...base, nowMs: at('2026-12-05T14:20:00Z'), shifts: change }))).toMatchObject({ action: 'wait', reason: 'waiting_for_shift_change' });
  });

  it('one register that has not changed shift yet holds the change', () => {
    const shifts = [
      { register: 'A', openedAtMs: at('2026-12-05T14:00:40Z'), closedAtMs: at('2026-12-05T14:00:10Z') },
      { register: 'B', openedAtMs: at('2026-12-05T06:01:00Z'), closedAtMs: at('2026-12-05T06:00:30Z') },
    ];
    expect(decideUpdate(inputs({ ...base, nowMs: at('2026-12-05T14:05:00Z'), shifts }))).toMatchObject({ action: 'wait', reason: 'waiting_for_shift_change' });
  });

  it('the 24 h cap applies around the clock too', () => {
    const shifts = [{ register: 'A', openedAtMs: at('2026-12-06T02:00:40Z'), closedAtMs: at('2026-12-05T22:00:10Z') }];
    expect(decideUpdate(inputs({ ...base, nowMs: at('2026-12-06T03:00:00Z'), shifts }))).toMatchObject({ action: 'install-now', reason: 'max_wait_reached' });
  });
});

describe('uploads and backfill chunks', () => {
  it('an upload in flight or an open backfill chunk holds even a closed store, re-asking in 30 s', () => {
    expect(decideUpdate(inputs({ uploadsInFlight: 2 }))).toEqual({
      action: 'wait',
      reason: 'upload_in_flight',
      retryAtMs: at('2026-12-05T12:00:30Z'),
      message: 'The update waits: 2 upload(s) in flight.',
    });
    expect(decideUpdate(inputs({ backfillChunkOpen: true }))).toMatchObject({ action: 'wait', reason: 'backfill_chunk' });
  });

  it('past the 24 h cap an upload still holds the restart (it ends within seconds)', () => {
    const decision = decideUpdate(inputs({ pendingSinceMs: at('2026-12-03T00:00:00Z'), uploadsInFlight: 1 }));
    expect(decision).toMatchObject({ action: 'wait', reason: 'upload_in_flight' });
  });

  it('the defaults are the documented ones', () => {
    expect(DEFAULT_UPDATE_POLICY).toEqual({ maxWaitMs: 86_400_000, shiftChangeWindowMs: 900_000, recheckMs: 300_000, busyRecheckMs: 30_000 });
  });
});
