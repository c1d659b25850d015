/**
 * The capture pipeline with its real parts: mapping files run in the limited worker, rules files
 * compiled by the validator, a real outbox: an unbalanced journal entry is quarantined whole, a
 * balanced one queued, a mapping failure of one line stops its whole entry, and a file edited into
 * something refused keeps the last good version in force.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../api/index.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../../outbox/outbox-test-kit.ts';
import type { Outbox } from '../../outbox/index.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { readRulesFile, StreamValidator } from '../../transforms/validation/index.ts';
import { StreamPipelines } from './stream-pipelines.ts';

const MAPPING = {
  stream: 'journal',
  input: { entry: 'text', line: 'integer', account: 'text', side: 'text', amount: 'money' },
  fields: {
    entry: { expr: 'entry', type: 'text', required: true },
    account: { expr: 'account', type: 'text', required: true },
    side: { expr: 'side', type: 'text' },
    amount: { expr: "$round($decimalMul(amount, \"1\"), 2, 'HALF_EVEN')", type: 'money', required: true },
  },
};
const RULES = { stream: 'journal', rules: [{ rule: 'balanced', amount: 'amount', side: 'side', debit: 'D', credit: 'C' }] };

function line(entry: string, n: number, side: 'D' | 'C', amount: string | null, account = '4000'): SourceRecord {
  return { stream: 'journal', key: { entry, line: String(n) }, op: 'upsert', group: entry, capturedAt: '2026-12-05T10:00:00.000Z', data: { entry, line: String(n), account, side, amount } };
}

describe('stream pipelines', () => {
  let tmp: TempDir;
  let outbox: Outbox;
  let pipelines: StreamPipelines;
  beforeEach(() => {
    tmp = makeTempDir();
    outbox = openTestOutbox(tmp.path('outbox.db'), new ManualClock());
    writeFileSync(tmp.path('journal.mapping.json'), JSON.stringify(MAPPING));
    writeFileSync(tmp.path('journal.rules.json'), JSON.stringify(RULES));
    pipelines = new StreamPipelines({
      configFile: tmp.path('agent.json'),
      streams: () => [{ source: 'erp', stream: 'journal', mapping: 'journal.mapping.json', rules: 'journal.rules.json', quarantineSpike: { percent: 20, window: 500, count: 50, minutes: 10 } }],
      loadRules: (file) => StreamValidator.fromConfig(readRulesFile(file), file),
      reference: { rows: () => undefined },
      entityOf: () => 'store-1',
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterEach(async () => {
    await pipelines.close();
    outbox.close();
    tmp.remove();
  });

  async function capture(records: SourceRecord[]) {
    const page = await pipelines.process('erp', records);
    outbox.enqueue({ source: 'erp', stream: 'journal', lane: 'bulk', records: page.records, quarantine: page.quarantine, checkpoint: records.length });
    return page;
  }

  it('queues a balanced entry and quarantines an unbalanced one whole, as read', async () => {
    const page = await capture([
      line('J1', 1, 'D', '100.10'), line('J1', 2, 'C', '100.10', '1200'),
      line('J2', 1, 'D', '5.00'), line('J2', 2, 'C', '4.99', '1200'), line('J2', 3, 'C', '0.00', '1201'),
    ]);
    expect([...page.quarantine.keys()]).toEqual([2, 3, 4]);
    const batch = outbox.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    expect(batch.records.map((r) => [r.key.entry, r.data?.amount])).toEqual([['J1', '100.10'], ['J1', '100.10']]);
    const waiting = outbox.quarantine.list({ status: 'all' });
    expect(waiting).toHaveLength(3);
    expect(waiting.every((e) => e.reasons[0]?.code === 'unbalanced_entry' && e.group === 'J2')).toBe(true);
    expect(waiting[0]!.reasons[0]?.message).toMatch(/5\.00.*4\.99/);
  });

  it('stops a whole entry when one line fails its mapping, and replays it whole once fixed', async () => {
    const page = await capture([line('J3', 1, 'D', '7.00'), line('J3', 2, 'C', null, '1200')]);
    expect(page.quarantine.get(1)?.reasons[0]).toMatchObject({ code: 'mapping_expression', path: 'amount', severity: 'reject' });
    expect(page.quarantine.get(0)?.reasons[0]?.code).toBe('group_member_quarantined');
    const broken = outbox.quarantine.list().find((e) => e.key.line === '2')!;
    outbox.quarantine.edit(broken.id, { ...broken.data, amount: '7.00' }, 'test');
    const entries = outbox.quarantine.replayCandidates([broken.id]);
    expect(entries).toHaveLength(2);
    const again = await pipelines.processRecords('erp', entries.map((e) => e.record));
    expect(again.quarantine.size).toBe(0);
    const result = outbox.quarantine.settleReplay(entries, entries.map((e, i) => ({ id: e.id, pass: true as const, record: again.records[i]!, schemaVersion: 1 })), 'test');
    expect(result.replayed).toBe(2);
  });

  it('keeps the last good mapping when the file is edited into one that is refused', async () => {
    await capture([line('J4', 1, 'D', '1.00'), line('J4', 2, 'C', '1.00')]);
    const refused = { ...MAPPING, fields: { ...MAPPING.fields, amount: { expr: '$number(amount) * 1.2', type: 'money' } } };
    writeFileSync(tmp.path('journal.mapping.json'), JSON.stringify(refused, null, 1));
    const page = await pipelines.process('erp', [line('J5', 1, 'D', '2.00'), line('J5', 2, 'C', '2.00')]);
    expect(page.quarantine.size).toBe(0);
    expect(page.records[0]!.data?.amount).toBe('2.00');
  });
});

describe('stream pipelines with lookups', () => {
  it('holds a record whose lookup list was never fetched, and maps it with the list once a copy arrives', async () => {
    const tmp = makeTempDir();
    let lists: Record<string, readonly Record<string, string>[]> = {};
    writeFileSync(tmp.path('ledger.mapping.json'), JSON.stringify({
      stream: 'ledger',
      input: { tax: 'text' },
      lookups: { taxCode: { list: 'tax-code-map', from: 'local', to: 'code' } },
      fields: { taxCode: { expr: '$refLookup("taxCode", tax)', type: 'text', required: true } },
    }));
    const pipelines = new StreamPipelines({
      configFile: tmp.path('agent.json'),
      streams: () => [{ source: 'erp', stream: 'ledger', mapping: 'ledger.mapping.json', quarantineSpike: { percent: 20, window: 500, count: 50, minutes: 10 } }],
      reference: { rows: (entity, list) => (entity === 'store-7' ? lists[list] : undefined) },
      entityOf: () => 'store-7',
      logger: createLogger({ level: 'silent' }),
    });
    try {
      const record: SourceRecord = { stream: 'ledger', key: { id: '1' }, op: 'upsert', capturedAt: '2026-12-05T10:00:00.000Z', data: { tax: 'V19' } };
      expect(pipelines.lookupLists('erp', 'ledger')).toEqual(['tax-code-map']);
      const before = await pipelines.process('erp', [record]);
      expect(before.quarantine.get(0)?.reasons).toEqual([expect.objectContaining({ code: 'reference_unavailable', path: 'taxCode', severity: 'hold' })]);
      lists = { 'tax-code-map': [{ local: 'V19', code: 'DE-19' }] };
      const after = await pipelines.process('erp', [record]);
      expect(after.quarantine.size).toBe(0);
      expect(after.records[0]?.data).toEqual({ taxCode: 'DE-19' });
      // A newer copy of the list (a new array from the cache) is used from the next page on.
      lists = { 'tax-code-map': [{ local: 'V19', code: 'DE-19-NEW' }] };
      expect((await pipelines.process('erp', [record])).records[0]?.data).toEqual({ taxCode: 'DE-19-NEW' });
    } finally {
      await pipelines.close();
      tmp.remove();
    }
  });
});
