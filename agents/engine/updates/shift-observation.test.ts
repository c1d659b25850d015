/** Shifts read from POS closes and receipts with explicit offsets, fed to the update policy. */
import { describe, expect, it } from 'vitest';
import { observeShifts } from './shift-observation.ts';
import { decideUpdate } from './update-policy.ts';

describe('observeShifts', () => {
  // A bar in Berlin: Friday's shift closed at 01:14 on Saturday; Saturday's opened at 18:02.
  const closes = [
    { register: 'bar', closedAt: '2026-12-04T01:09:00+01:00' },
    { register: 'bar', closedAt: '2026-12-05T01:14:00+01:00' },
    { register: 'terrace', closedAt: '2026-12-05T00:30:00+01:00' },
  ];
  const receipts = [
    { register: 'bar', at: '2026-12-05T00:58:00+01:00' }, // Friday's shift, before its close
    { register: 'bar', at: '2026-12-05T18:02:00+01:00' },
    { register: 'bar', at: '2026-12-05T23:40:00+01:00' },
    { register: 'kiosk', at: '2026-12-05T17:00:00Z' }, // never closed: open since its first receipt
  ];

  it('a register is open from its first receipt after its last close; one with no close from its first receipt', () => {
    expect(observeShifts(closes, receipts)).toEqual([
      { register: 'bar', openedAtMs: Date.parse('2026-12-05T17:02:00Z'), closedAtMs: Date.parse('2026-12-05T00:14:00Z') },
      { register: 'kiosk', openedAtMs: Date.parse('2026-12-05T17:00:00Z'), closedAtMs: null },
      { register: 'terrace', openedAtMs: null, closedAtMs: Date.parse('2026-12-04T23:30:00Z') },
    ]);
  });

  it('feeds the policy: at 23:50 Berlin the bar and the kiosk hold the update; after both close it installs', () => {
    const shifts = observeShifts(closes, receipts);
    const night = decideUpdate({ nowMs: Date.parse('2026-12-05T23:50:00+01:00'), pendingSinceMs: Date.parse('2026-12-05T12:00:00Z'), shifts, aroundTheClock: false, uploadsInFlight: 0, backfillChunkOpen: false });
    expect(night).toMatchObject({ action: 'wait', message: 'The update waits for the open shifts on registers bar, kiosk to close.' });
    const later = observeShifts(
      [...closes, { register: 'bar', closedAt: '2026-12-06T01:20:00+01:00' }, { register: 'kiosk', closedAt: '2026-12-06T00:10:00Z' }],
      receipts,
    );
    const after = decideUpdate({ nowMs: Date.parse('2026-12-06T01:25:00+01:00'), pendingSinceMs: Date.parse('2026-12-05T12:00:00Z'), shifts: later, aroundTheClock: false, uploadsInFlight: 0, backfillChunkOpen: false });
    expect(after).toMatchObject({ action: 'install-now', reason: 'no_shift_open' });
  });

  it('refuses a time without an offset instead of guessing, naming the register and the value', () => {
    expect(() => observeShifts([], [{ register: '3', at: '2026-12-05 18:02:00' }])).toThrow(
      'The time "2026-12-05 18:02:00" of activity on register 3 is not an RFC 3339 time with an offset, so whether a shift is open cannot be told.',
    );
  });
});
