/**
 * Stuck-read alerts left by an earlier run (a kill -9 while a read hung) are cleared at start, also
 * for a source that left the config meanwhile; other alerts stay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import type { Outbox } from '../outbox/index.ts';
import { clearStalledAlerts, readStalledAlertCode } from './read-watch.ts';

describe('stuck-read alerts at start', () => {
  let tmp: TempDir | undefined;
  let outbox: Outbox | undefined;
  afterEach(() => {
    outbox?.close();
    tmp?.remove();
  });

  it('clears every read_stalled alert and nothing else', () => {
    tmp = makeTempDir();
    outbox = openTestOutbox(tmp.path('outbox.db'), new ManualClock());
    outbox.raiseAlert({ code: readStalledAlertCode('removed-source'), severity: 'critical', message: 'stuck' });
    outbox.raiseAlert({ code: readStalledAlertCode('pos'), severity: 'critical', message: 'stuck' });
    outbox.raiseAlert({ code: 'outbox_full', severity: 'critical', message: 'full' });
    outbox.raiseAlert({ code: 'read_stalled_elsewhere', severity: 'warning', message: 'not ours' });
    clearStalledAlerts(outbox);
    expect(outbox.listAlerts().map((a) => a.code).sort()).toEqual(['outbox_full', 'read_stalled_elsewhere']);
  });
});
