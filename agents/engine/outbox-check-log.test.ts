import { copyFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, enqueueRange, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import { createLogger } from '../telemetry/logger.ts';
import { superviseOutboxCheck } from './outbox-check-log.ts';

let tmp: TempDir;
const clock = new ManualClock(Date.parse('2026-12-06T04:45:00.000Z'));

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

function logLines(file: string): Array<{ msg: string; outboxCheck?: Record<string, unknown> }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string; outboxCheck?: Record<string, unknown> });
}

describe('the log says which outbox check ran', () => {
  it('after a clean stop: the delivery tables only', () => {
    const path = tmp.path('outbox.db');
    const first = openTestOutbox(path, clock);
    enqueueRange(first, { stream: 'receipts' }, 0, 50);
    first.close();
    const outbox = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    const log = tmp.path('clean.log');
    try {
      expect(superviseOutboxCheck(outbox, createLogger({ level: 'info', destination: log }))).toBeNull();
    } finally {
      outbox.close();
    }
    const [line, ...rest] = logLines(log);
    expect(rest).toEqual([]);
    expect(line!.msg).toMatch(
      /^Outbox checked at start after a clean stop: the delivery tables \(quick_check of meta, checkpoints, batches, streams\) in \d+ ms\.$/,
    );
    expect(line!.outboxCheck).toMatchObject({ lastStop: 'clean', ran: 'delivery-tables', background: false });
  });

  it('after an unclean stop: the delivery tables, then the whole file in the background', async () => {
    const live = tmp.path('live.db');
    const writer = openTestOutbox(live, clock);
    enqueueRange(writer, { stream: 'receipts' }, 0, 50);
    const path = tmp.path('killed.db');
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
    writer.close();
    const outbox = openTestOutbox(path, clock, { startCheck: 'by-last-stop' });
    const log = tmp.path('unclean.log');
    try {
      await superviseOutboxCheck(outbox, createLogger({ level: 'info', destination: log }));
    } finally {
      outbox.close();
    }
    const [start, background, ...rest] = logLines(log);
    expect(rest).toEqual([]);
    expect(start!.msg).toMatch(
      /after an unclean stop: the delivery tables .* the whole file is checked in the background \(integrity_check\)\.$/,
    );
    expect(start!.outboxCheck).toMatchObject({ lastStop: 'unclean', ran: 'delivery-tables', background: true });
    expect(background!.msg).toMatch(/^Outbox background integrity check passed in \d+ ms\.$/);
    expect(background!.outboxCheck).toMatchObject({ ran: 'background-full', state: 'passed' });
  });
});
