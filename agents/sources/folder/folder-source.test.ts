/**
 * The folder source on real files in a real folder, with a real outbox: complete files only, the
 * rename-in pattern, duplicates, polling, quarantine with reasons, sequence gaps, paging and resume.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { camtStatement } from '../../transforms/statements/statement-samples.ts';
import { sampleZReport, zReportJson } from '../../formats/zreport/zreport-samples.ts';
import { openFolderKit, queued, type FolderKit } from './folder-test-kit.ts';

const IBAN = 'DE89370400440532013000';
let kit: FolderKit | undefined;

afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const today = () => new Date().toISOString().slice(0, 10);
const archived = (k: FolderKit) =>
  existsSync(path.join(k.inbox, 'archive', today())) ? readdirSync(path.join(k.inbox, 'archive', today())).sort() : [];
const alertCodes = (k: FolderKit) => k.outbox.listAlerts().map((a) => a.code);

describe('folder source: taking files', () => {
  it('does not take a file while it is still being written, then takes all of it', async () => {
    kit = await openFolderKit({ kind: 'zreport', stableMs: 400 });
    const text = zReportJson([sampleZReport()]);
    const file = path.join(kit.inbox, 'z-00412.json');
    writeFileSync(file, text.slice(0, 40));
    // The till keeps writing for a while; every look in between must find nothing ready.
    for (let i = 1; i <= 8; i += 1) {
      await sleep(100);
      expect(await kit.pump()).toBe(0);
      appendFileSync(file, text.slice(40 + ((i - 1) * (text.length - 40)) / 8, 40 + (i * (text.length - 40)) / 8));
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
    await kit.pumpUntil('the report', () => queued(kit!, 'shift_reports').length === 1);
    const [record] = queued(kit, 'shift_reports');
    expect(record).toMatchObject({
      key: { register: 'till-1', zNumber: '00412' },
      lane: 'urgent',
      data: { total: '1234.50' },
    });
    expect(archived(kit)).toEqual(['z-00412.json']);
    expect(existsSync(file)).toBe(false);
  });

  it('takes a file only under its final name (written as .part or .tmp, then renamed)', async () => {
    kit = await openFolderKit({ kind: 'zreport' });
    writeFileSync(path.join(kit.inbox, 'z.json.part'), zReportJson([sampleZReport()]));
    writeFileSync(path.join(kit.inbox, 'other.tmp'), zReportJson([sampleZReport({ zNumber: '00413' })]));
    await sleep(500);
    expect(await kit.pump()).toBe(0);
    await sleep(300);
    expect(await kit.pump()).toBe(0);
    renameSync(path.join(kit.inbox, 'z.json.part'), path.join(kit.inbox, 'z.json'));
    await kit.pumpUntil('the renamed report', () => queued(kit!, 'shift_reports').length === 1);
    expect(queued(kit, 'shift_reports')[0]?.key.zNumber).toBe('00412');
    expect(existsSync(path.join(kit.inbox, 'other.tmp'))).toBe(true);
  });

  it('finds files by polling (network shares send no events) and files present before the start', async () => {
    const first = await openFolderKit({ kind: 'zreport', usePolling: true, pollIntervalMs: 100 });
    kit = first;
    writeFileSync(path.join(first.inbox, 'z-1.json'), zReportJson([sampleZReport({ zNumber: '1' })]));
    await first.pumpUntil('the polled report', () => queued(first, 'shift_reports').length === 1);
    // Stopped, a file arrives, started again: the listing at start finds it.
    await first.source.close();
    writeFileSync(path.join(first.inbox, 'z-2.json'), zReportJson([sampleZReport({ zNumber: '2' })]));
    await first.restart();
    await first.pumpUntil('the report that arrived while stopped', () => queued(first, 'shift_reports').length === 2);
  });

  it('takes files from subfolders when configured, and keeps their subfolder in the archive', async () => {
    kit = await openFolderKit({ kind: 'zreport', recursive: true, include: ['**/*.json'] });
    mkdirSync(path.join(kit.inbox, 'till-2'));
    writeFileSync(path.join(kit.inbox, 'till-2', 'z.json'), zReportJson([sampleZReport({ register: 'till-2' })]));
    writeFileSync(path.join(kit.inbox, 'till-2', 'notes.txt'), 'not a report');
    await kit.pumpUntil('the report from the subfolder', () => queued(kit!, 'shift_reports').length === 1);
    await kit.pumpUntil('the archive move', () =>
      existsSync(path.join(kit!.inbox, 'archive', today(), 'till-2', 'z.json')),
    );
    expect(queued(kit, 'source_files')[0]?.data.name).toBe('till-2/z.json');
    expect(existsSync(path.join(kit.inbox, 'till-2', 'notes.txt'))).toBe(true);
  });

  it('recognises the same content dropped twice, says when it was imported, and sends nothing again', async () => {
    kit = await openFolderKit({ kind: 'auto' });
    const xml = camtStatement({ iban: IBAN, sequence: 1, opening: '100.00', from: 0, to: 5 });
    writeFileSync(path.join(kit.inbox, 'bank-2026-11-28.xml'), xml);
    await kit.pumpUntil('the first import', () =>
      kit!.notices.some((n) => n.startsWith('bank-2026-11-28.xml imported')),
    );
    const before = queued(kit, 'bank_entries').length;
    expect(before).toBe(5);
    writeFileSync(path.join(kit.inbox, 'bank-copy.xml'), xml);
    await kit.pumpUntil('the duplicate notice', () =>
      alertCodes(kit!).includes('file_duplicate:bank-folder:bank-copy.xml'),
    );
    const alert = kit.outbox.listAlerts().find((a) => a.code === 'file_duplicate:bank-folder:bank-copy.xml')!;
    expect(alert.message).toMatch(
      /^bank-copy\.xml was already imported on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(as bank-2026-11-28\.xml\); this copy was not sent again and was moved to archive\/\d{4}-\d{2}-\d{2}\/\.$/,
    );
    expect(queued(kit, 'bank_entries').length).toBe(before);
    expect(queued(kit, 'source_files').length).toBe(1);
    expect(archived(kit)).toEqual(['bank-2026-11-28.xml', 'bank-copy.xml', 'bank-copy.xml.duplicate.txt']);
  });
});

describe('folder source: checks before upload', () => {
  it('quarantines a statement that does not add up, with the difference in words and figures beside it', async () => {
    kit = await openFolderKit();
    writeFileSync(
      path.join(kit.inbox, 'broken.xml'),
      camtStatement({ iban: IBAN, sequence: 1, opening: '100.00', from: 0, to: 5, closingError: '12.34' }),
    );
    await kit.pumpUntil('the quarantine', () =>
      existsSync(path.join(kit!.inbox, 'quarantine', 'broken.xml.error.txt')),
    );
    const sidecar = readFileSync(path.join(kit.inbox, 'quarantine', 'broken.xml.error.txt'), 'utf8');
    expect(sidecar).toContain('broken.xml was not imported and was moved here.');
    expect(sidecar).toMatch(/FAILED {2}balance of account DE89370400440532013000.*difference 12\.34 EUR/);
    expect(sidecar).toContain('nothing of this file was sent');
    const alert = kit.outbox.listAlerts().find((a) => a.code === 'file_quarantined:bank-folder:broken.xml')!;
    expect(alert.severity).toBe('critical');
    expect(alert.message).toContain('Bank file broken.xml was not imported');
    expect(alert.message).toContain('difference 12.34 EUR');
    expect(queued(kit, 'bank_entries')).toEqual([]);
    expect(kit.outbox.stats().depth).toBe(0);
    // The bookkeeper removes the file from quarantine: the alert goes at the next rescan.
    renameSync(path.join(kit.inbox, 'quarantine', 'broken.xml'), path.join(kit.dir, 'fixed-elsewhere.xml'));
    await kit.restart();
    expect(alertCodes(kit)).not.toContain('file_quarantined:bank-folder:broken.xml');
  });

  it('quarantines a file that is not a statement, naming the file, line and field', async () => {
    kit = await openFolderKit({ kind: 'zreport' });
    writeFileSync(path.join(kit.inbox, 'z.json'), zReportJson([sampleZReport({ cash: { counted: 'lots' } })]));
    await kit.pumpUntil('the quarantine', () => existsSync(path.join(kit!.inbox, 'quarantine', 'z.json.error.txt')));
    const sidecar = readFileSync(path.join(kit.inbox, 'quarantine', 'z.json.error.txt'), 'utf8');
    expect(sidecar).toContain('Why: z.json, line 6, field reports[0].cash.counted: "lots" is not an amount');
    expect(sidecar).toContain('Where: line 6, field reports[0].cash.counted');
    expect(kit.notices.at(-1)).toMatch(/^z\.json rejected: /);
  });

  it('warns about a missing statement in the series and clears the warning when it arrives', async () => {
    kit = await openFolderKit();
    const drop = (name: string, sequence: number, from: number, to: number) =>
      writeFileSync(path.join(kit!.inbox, name), camtStatement({ iban: IBAN, sequence, opening: '0', from, to }));
    drop('s1.xml', 1, 0, 3);
    await kit.pumpUntil('statement 1', () => queued(kit!, 'bank_statements').length === 1);
    drop('s3.xml', 3, 6, 9);
    const code = `statement_gap:bank-folder:${IBAN}`;
    await kit.pumpUntil('the gap warning', () => alertCodes(kit!).includes(code));
    expect(kit.outbox.listAlerts().find((a) => a.code === code)?.message).toBe(
      `The statement with electronic sequence number 2 for account ${IBAN} is missing.`,
    );
    drop('s2.xml', 2, 3, 6);
    await kit.pumpUntil('the gap closed', () => !alertCodes(kit!).includes(code));
    expect(queued(kit, 'bank_statements').map((r) => r.key.statement)).toEqual(['1', '3', '2']);
  });
});

describe('folder source: records', () => {
  it('commits a large statement in pages, and after a restart in the middle skips the pages already committed', async () => {
    kit = await openFolderKit({ pageRows: 10 });
    writeFileSync(
      path.join(kit.inbox, 'big.xml'),
      camtStatement({ iban: IBAN, sequence: 1, opening: '0', from: 0, to: 45 }),
    );
    // Commit the statement and two entry pages, then "crash" (the rest is never acked).
    const abort = new AbortController();
    let commits = 0;
    while (commits < 3) {
      const result = await kit.source.read(abort.signal);
      if (result === null) {
        await sleep(50);
        continue;
      }
      kit.outbox.enqueue({
        source: 'bank-folder',
        stream: result.stream,
        lane: result.lane,
        records: result.records,
        checkpoint: result.checkpoint,
      });
      result.ack();
      commits += 1;
    }
    expect(queued(kit, 'bank_entries')).toHaveLength(20);
    await kit.restart();
    // After the restart only the remaining 25 entries are offered again (the statement is re-sent: cheap, deduplicated).
    const offered: Record<string, number> = {};
    for (let done = false; !done;) {
      const result = await kit.source.read(abort.signal);
      if (result === null) {
        await sleep(50);
        continue;
      }
      offered[result.stream] = (offered[result.stream] ?? 0) + result.records.length;
      kit.outbox.enqueue({
        source: 'bank-folder',
        stream: result.stream,
        lane: result.lane,
        records: result.records,
        checkpoint: result.checkpoint,
      });
      result.ack();
      done = result.stream === 'source_files';
    }
    expect(offered).toEqual({ bank_statements: 1, bank_entries: 25, source_files: 1 });
    expect(queued(kit, 'bank_entries')).toHaveLength(45);
    await kit.pump();
    const file = queued(kit, 'source_files')[0]!;
    expect(file.data).toMatchObject({
      name: 'big.xml',
      kind: 'bank',
      format: 'camt.053',
      statements: '1',
      entries: '45',
    });
    expect(kit.outbox.fileInfo(String(file.key.sha256))?.importedAt).not.toBeNull();
    expect(archived(kit)).toEqual(['big.xml']);
  });

  it('sends a Z report in the urgent lane with its original, and says when the cloud has it', async () => {
    kit = await openFolderKit({ kind: 'auto' });
    writeFileSync(
      path.join(kit.inbox, 'z.json'),
      zReportJson([sampleZReport({ cash: { openingFloat: '100.00', paidOut: '20.00', counted: '478.00' } })]),
    );
    await kit.pumpUntil('the report queued', () =>
      kit!.notices.includes('Z-00412 (register till-1) queued for upload.'),
    );
    const [record] = queued(kit, 'shift_reports');
    const sha256 = (record?.data.sourceFile as { sha256: string }).sha256;
    expect(record?.data).toMatchObject({
      cash: { expected: '480.00', counted: '478.00', difference: '-2.00' },
      sourceFile: { name: 'z.json' },
    });
    expect(kit.outbox.nextFileUpload('urgent')?.sha256).toBe(sha256);
    expect(kit.outbox.listAlerts().find((a) => a.code === 'z_cash:bank-folder:till-1')?.message).toContain(
      'Cash short by 2.00 EUR',
    );
    // Delivery acknowledges both urgent batches (the report and the file record).
    for (
      let batch = kit.outbox.nextBatch({ lane: 'urgent', maxRecords: 10, maxBytes: 1e6 });
      batch !== null;
      batch = kit.outbox.nextBatch({ lane: 'urgent', maxRecords: 10, maxBytes: 1e6 })
    ) {
      kit.outbox.completeBatch(batch.batchId, { rejected: [], staleIndexes: [] });
    }
    await kit.pumpUntil('the uploaded notice', () => kit!.notices.includes('Z-00412 (register till-1) uploaded.'));
  });
});
