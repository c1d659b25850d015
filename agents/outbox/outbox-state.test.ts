import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import { Outbox } from './outbox.ts';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;
const open: Outbox[] = [];

function track(outbox: Outbox): Outbox {
  open.push(outbox);
  return outbox;
}

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
});
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  tmp.remove();
});

describe('Outbox alerts and state', () => {
  it('keeps alerts across restarts, idempotent per code with the first `since`', () => {
    const path = tmp.path('o.db');
    let outbox = openTestOutbox(path, clock);
    const since = new Date(clock.now()).toISOString();
    outbox.raiseAlert({ code: 'outbox_full', severity: 'warning', message: 'The queue is 90% full.' });
    clock.advance(60_000);
    outbox.raiseAlert({ code: 'outbox_full', severity: 'critical', message: 'The queue is full.' });
    outbox.raiseAlert({ code: 'agent_revoked', severity: 'critical', message: 'Revoked.' });
    outbox.close();

    outbox = track(openTestOutbox(path, clock));
    expect(outbox.listAlerts()).toEqual([
      { code: 'outbox_full', severity: 'critical', message: 'The queue is full.', since, kind: 'condition' },
      {
        code: 'agent_revoked',
        severity: 'critical',
        message: 'Revoked.',
        since: new Date(clock.now()).toISOString(),
        kind: 'condition',
      },
    ]);
    outbox.clearAlert('outbox_full');
    expect(outbox.listAlerts().map((a) => a.code)).toEqual(['agent_revoked']);
  });

  it('acknowledges events, never conditions; an acknowledged event comes back only if it happens again', () => {
    const outbox = track(openTestOutbox(tmp.path('ack.db'), clock));
    outbox.raiseAlert({
      code: 'shift_unbalanced:pos:shifts:R1:Z-00409',
      severity: 'warning',
      message: 'Z-00409 is 3.20 short.',
    });
    outbox.raiseAlert({ code: 'file_quarantined:bank:x.sta', severity: 'critical', message: 'x.sta was rejected.' });
    outbox.raiseAlert({ code: 'agent_revoked', severity: 'critical', message: 'Revoked.' });
    outbox.raiseAlert({ code: 'some_new_halt', severity: 'critical', message: 'Unknown codes are conditions.' });
    expect(Object.fromEntries(outbox.listAlerts().map((a) => [a.code, a.kind]))).toEqual({
      'shift_unbalanced:pos:shifts:R1:Z-00409': 'event',
      'file_quarantined:bank:x.sta': 'event',
      agent_revoked: 'condition',
      some_new_halt: 'condition',
    });
    expect(outbox.acknowledgeAlerts(['agent_revoked', 'shift_unbalanced:pos:shifts:R1:Z-00409', 'nope'])).toEqual({
      acknowledged: ['shift_unbalanced:pos:shifts:R1:Z-00409'],
      conditions: ['agent_revoked'],
      unknown: ['nope'],
    });
    expect(outbox.acknowledgeAlerts('all')).toEqual({
      acknowledged: ['file_quarantined:bank:x.sta'],
      conditions: [],
      unknown: [],
    });
    expect(outbox.listAlerts().map((a) => a.code)).toEqual(['agent_revoked', 'some_new_halt']);
    outbox.raiseAlert({ code: 'shift_unbalanced:pos:shifts:R1:Z-00409', severity: 'warning', message: 'Again.' });
    expect(outbox.listAlerts().map((a) => a.code)).toContain('shift_unbalanced:pos:shifts:R1:Z-00409');
  });

  it('keeps agent state across restarts', () => {
    const path = tmp.path('o.db');
    let outbox = openTestOutbox(path, clock);
    outbox.setState('enrollment.agentId', 'ag_123');
    outbox.setState('enrollment.cloudUrl', 'http://127.0.0.1:1');
    outbox.setState('enrollment.cloudUrl', 'http://127.0.0.1:2');
    outbox.setState('gone', 'x');
    outbox.deleteState('gone');
    outbox.close();
    outbox = track(openTestOutbox(path, clock));
    expect(outbox.getState('enrollment.agentId')).toBe('ag_123');
    expect(outbox.getState('enrollment.cloudUrl')).toBe('http://127.0.0.1:2');
    expect(outbox.getState('gone')).toBeUndefined();
  });
});

describe('Outbox.openReadonly', () => {
  it('throws a clear AgentError when the file is missing', () => {
    const error = (() => {
      try {
        Outbox.openReadonly(tmp.path('nope.db'), clock);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('outbox_missing');
    expect((error as AgentError).message).toContain(tmp.path('nope.db'));
  });

  it('reads stats, checkpoints, alerts and state without writing, also beside a running writer', () => {
    const path = tmp.path('o.db');
    const writer = track(openTestOutbox(path, clock, { maxBytes: 123_456 }));
    enqueueRange(writer, { stream: 'receipts' }, 0, 4);
    writer.raiseAlert({ code: 'x', severity: 'warning', message: 'x' });
    writer.setState('k', 'v');

    const reader = track(Outbox.openReadonly(path, clock));
    expect(reader.stats()).toMatchObject({ depth: 4, maxBytes: 123_456 });
    expect(reader.getCheckpoint('pos', 'receipts')).toEqual({ next: 4 });
    expect(reader.listAlerts().map((a) => a.code)).toEqual(['x']);
    expect(reader.getState('k')).toBe('v');
    expect(reader.recoveredFromCorruption).toBeNull();
    enqueueRange(writer, { stream: 'receipts' }, 4, 1);
    expect(reader.stats().depth).toBe(5);
    for (const write of [
      () => enqueueRange(reader, { stream: 'receipts' }, 9, 1),
      () => reader.nextBatch({ lane: 'bulk', maxRecords: 1, maxBytes: 1000 }),
      () => reader.setState('k', 'w'),
      () => reader.raiseAlert({ code: 'y', severity: 'warning', message: 'y' }),
      () => reader.replayDeadLetters('all'),
    ]) {
      expect(write).toThrow(expect.objectContaining({ code: 'outbox_readonly' }));
    }
    writer.close();
    const before = readFileSync(path);
    reader.close();
    const again = track(Outbox.openReadonly(path, clock));
    expect(again.stats().depth).toBe(5);
    again.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file that is not an outbox of this schema version', () => {
    const path = tmp.path('plain.db');
    new Database(path).exec('CREATE TABLE t (x)').close();
    expect(() => Outbox.openReadonly(path, clock)).toThrow(expect.objectContaining({ code: 'outbox_schema_mismatch' }));
  });
});
