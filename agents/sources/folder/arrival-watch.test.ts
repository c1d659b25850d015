/**
 * When a file counts as complete: renamed in whole on a local disk (a short check), written in place
 * (the full stableMs), polled as on a network share (the full stableMs). Real files, real inotify.
 */
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleZReport, zReportJson } from '../../formats/zreport/zreport-samples.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { ArrivalWatch } from './arrival-watch.ts';
import { openWriters } from './open-writers.ts';
import { SETTLE_MS } from './stability-tracker.ts';
import { openFolderKit, queued, type FolderKit } from './folder-test-kit.ts';

const linux = process.platform === 'linux';
if (!linux) console.log('arrival-watch.test.ts: inotify is Linux only; elsewhere every file waits the full stableMs (skipped).');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let kit: FolderKit | undefined;
let dir: string | undefined;

afterEach(async () => {
  await kit?.close();
  kit = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const quarantined = (k: FolderKit) => (existsSync(path.join(k.inbox, 'quarantine')) ? readdirSync(path.join(k.inbox, 'quarantine')) : []);

describe.skipIf(!linux)('ArrivalWatch', () => {
  it('tells a file renamed in from one written in place, and from one written to after its rename', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tya-arrival-'));
    const watch = new ArrivalWatch({ root: dir, recursive: false, logger: createSilentLogger() });
    expect(watch.start()).toBe(true);
    try {
      writeFileSync(path.join(dir, 'a.part'), 'whole');
      renameSync(path.join(dir, 'a.part'), path.join(dir, 'a.json'));
      writeFileSync(path.join(dir, 'b.json'), 'in place');
      writeFileSync(path.join(dir, 'c.part'), 'first');
      renameSync(path.join(dir, 'c.part'), path.join(dir, 'c.json'));
      appendFileSync(path.join(dir, 'c.json'), ' and more');
      await sleep(100);
      expect(watch.arrivedWhole(path.join(dir, 'a.json'))).toBe(true);
      expect(watch.arrivedWhole(path.join(dir, 'b.json'))).toBe(false);
      expect(watch.arrivedWhole(path.join(dir, 'c.json'))).toBe(false);
      // Never seen arrive: unknown, so not whole.
      expect(watch.arrivedWhole(path.join(dir, 'd.json'))).toBe(false);
    } finally {
      watch.close();
    }
  });
});

describe.skipIf(!linux)('folder source: when a file is complete', () => {
  it('takes a report renamed in whole after the short check, long before stableMs', async () => {
    kit = await openFolderKit({ kind: 'zreport', stableMs: 5000 });
    const started = Date.now();
    writeFileSync(path.join(kit.inbox, 'z.json.part'), zReportJson([sampleZReport()]));
    renameSync(path.join(kit.inbox, 'z.json.part'), path.join(kit.inbox, 'z.json'));
    await kit.pumpUntil('the renamed report', () => queued(kit!, 'shift_reports').length === 1, 4000);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('does not import a file written slowly in place (a chunk every 200 ms) half-way', async () => {
    // The default stableMs of a zreport source; the pauses between chunks are far shorter than it
    // but far longer than the short check that renamed-in files get.
    kit = await openFolderKit({ kind: 'zreport', stableMs: 1000 });
    const text = zReportJson([sampleZReport({ zNumber: '00500' })]);
    const file = path.join(kit.inbox, 'z-00500.json');
    const fd = openSync(file, 'w');
    const chunks = 8;
    try {
      for (let i = 0; i < chunks; i += 1) {
        writeSync(fd, text.slice((i * text.length) / chunks, ((i + 1) * text.length) / chunks));
        // Look often while the writer pauses, as the capture loop would.
        for (let look = 0; look < 4; look += 1) {
          await sleep(50);
          expect(await kit.pump()).toBe(0);
        }
      }
    } finally {
      closeSync(fd);
    }
    expect(queued(kit, 'shift_reports')).toHaveLength(0);
    expect(quarantined(kit)).toEqual([]);
    await kit.pumpUntil('the whole report', () => queued(kit!, 'shift_reports').length === 1, 5000);
    expect(queued(kit, 'shift_reports')[0]).toMatchObject({ key: { zNumber: '00500' }, data: { total: '1234.50' } });
  });

  it('does not take a file written in place while its writer pauses longer than the settle window, and takes it soon after the writer closes it', async () => {
    // stableMs far above the pauses: only the writer check can take the file early, and only the
    // writer check keeps it from being taken half-way (each pause is 2.5 settle windows).
    kit = await openFolderKit({ kind: 'zreport', stableMs: 8000 });
    const text = zReportJson([sampleZReport({ zNumber: '00600' })]);
    const file = path.join(kit.inbox, 'z-00600.json');
    const fd = openSync(file, 'w');
    const seen = (await openWriters([file])).get(file);
    const chunks = 4;
    try {
      for (let i = 0; i < chunks; i += 1) {
        writeSync(fd, text.slice((i * text.length) / chunks, ((i + 1) * text.length) / chunks));
        const pauseEnds = Date.now() + 2.5 * SETTLE_MS;
        while (Date.now() < pauseEnds) {
          await sleep(50);
          expect(await kit.pump()).toBe(0);
        }
      }
    } finally {
      closeSync(fd);
    }
    expect(queued(kit, 'shift_reports')).toHaveLength(0);
    const closed = Date.now();
    await kit.pumpUntil('the closed report', () => queued(kit!, 'shift_reports').length === 1, 10_000);
    expect(queued(kit, 'shift_reports')[0]).toMatchObject({ key: { zNumber: '00600' }, data: { total: '1234.50' } });
    expect(quarantined(kit)).toEqual([]);
    if (seen === 'unknown') console.log('arrival-watch.test.ts: not every process can be looked at here, so the file waited out stableMs (early take not checked).');
    else {
      expect(seen).toBe('open');
      expect(Date.now() - closed).toBeLessThan(3000);
    }
  });

  it('keeps the full stableMs when polling (network shares), even for a file renamed in', async () => {
    kit = await openFolderKit({ kind: 'zreport', usePolling: true, pollIntervalMs: 100, stableMs: 1500 });
    const started = Date.now();
    writeFileSync(path.join(kit.inbox, 'z.json.part'), zReportJson([sampleZReport()]));
    renameSync(path.join(kit.inbox, 'z.json.part'), path.join(kit.inbox, 'z.json'));
    for (let i = 0; i < 10; i += 1) {
      await sleep(100);
      expect(await kit.pump()).toBe(0);
    }
    await kit.pumpUntil('the polled report', () => queued(kit!, 'shift_reports').length === 1, 6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });
});
