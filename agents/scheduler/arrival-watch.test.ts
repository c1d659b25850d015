/** Expected arrivals with explicit instants, a persisted state and a real alert list. */
import { describe, expect, it } from 'vitest';
import { ArrivalWatch } from './arrival-watch.ts';

const at = (iso: string) => Date.parse(iso);

function world() {
  const state = new Map<string, string>();
  const alerts = new Map<string, string>();
  const store = { getState: (k: string) => state.get(k), setState: (k: string, v: string) => void state.set(k, v) };
  const sink = {
    raiseAlert: (a: { code: string; message: string }) => void alerts.set(a.code, a.message),
    clearAlert: (code: string) => void alerts.delete(code),
  };
  return { state, alerts, store, sink };
}

const shiftClose = { stream: 'shift_reports', by: '0 2 * * *', what: 'shift close' };

describe('a shift close expected every night by 02:00', () => {
  it('no alert before the first deadline; a missed night says since when, in words; an arrival clears it', () => {
    const w = world();
    const watch = new ArrivalWatch(w.store, w.sink);
    watch.setExpectations('tills', [shiftClose], 'Europe/Berlin', at('2026-12-04T12:00:00Z'));
    watch.arrived('tills', 'shift_reports', at('2026-12-04T21:41:00Z')); // Fri 22:41 in Berlin
    watch.check(at('2026-12-05T00:30:00Z'));
    expect(w.alerts.size).toBe(0); // the Saturday 02:00 deadline is met by Friday's close
    watch.check(at('2026-12-06T01:05:00Z')); // Sunday 02:05: nothing since Friday night
    expect(w.alerts.get('arrival_missing:tills:shift_reports')).toBe(
      'No shift close from tills since Fri 4 Dec, 22:41 Europe/Berlin; one was expected by Sun 6 Dec, 02:00 Europe/Berlin.',
    );
    watch.arrived('tills', 'shift_reports', at('2026-12-06T01:10:00Z'));
    expect(w.alerts.size).toBe(0);
    watch.check(at('2026-12-06T01:11:00Z'));
    expect(w.alerts.size).toBe(0);
  });

  it('records on another stream do not count; a watch that never saw one says since when it watched', () => {
    const w = world();
    const watch = new ArrivalWatch(w.store, w.sink);
    watch.setExpectations('tills', [shiftClose], 'Europe/Berlin', at('2026-12-04T12:00:00Z'));
    watch.arrived('tills', 'receipts', at('2026-12-04T20:00:00Z'));
    watch.check(at('2026-12-05T01:30:00Z'));
    expect(w.alerts.get('arrival_missing:tills:shift_reports')).toMatch(
      /^No shift close from tills has arrived since the agent began watching at Fri 4 Dec, 13:00 Europe\/Berlin; one was expected by Sat 5 Dec, 02:00/,
    );
  });

  it('a restart keeps arrivals and the watch start, so it neither forgets nor invents a miss', () => {
    const w = world();
    const first = new ArrivalWatch(w.store, w.sink);
    first.setExpectations('tills', [shiftClose], 'Europe/Berlin', at('2026-12-04T12:00:00Z'));
    first.arrived('tills', 'shift_reports', at('2026-12-04T21:41:00Z'));
    const second = new ArrivalWatch(w.store, w.sink);
    second.setExpectations('tills', [shiftClose], 'Europe/Berlin', at('2026-12-05T00:59:00Z'));
    second.check(at('2026-12-05T01:30:00Z'));
    expect(w.alerts.size).toBe(0);
    second.check(at('2026-12-06T01:30:00Z'));
    expect(w.alerts.size).toBe(1);
  });

  it('a bank statement every business day by 09:00: the weekend is not a miss, Monday is', () => {
    const w = world();
    const watch = new ArrivalWatch(w.store, w.sink);
    watch.setExpectations(
      'bank',
      [{ stream: 'bank_statements', by: '0 9 * * mon-fri', what: 'bank statement' }],
      'UTC',
      at('2026-12-03T12:00:00Z'),
    );
    watch.arrived('bank', 'bank_statements', at('2026-12-04T07:30:00Z')); // Friday's
    watch.check(at('2026-12-06T12:00:00Z')); // Sunday
    expect(w.alerts.size).toBe(0);
    watch.check(at('2026-12-07T09:01:00Z')); // Monday 09:01, nothing since Friday
    expect(w.alerts.get('arrival_missing:bank:bank_statements')).toMatch(
      /^No bank statement from bank since Fri 4 Dec, 07:30 UTC; one was expected by Mon 7 Dec, 09:00 UTC\.$/,
    );
  });
});
