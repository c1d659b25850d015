import { describe, expect, it } from 'vitest';
import { recordVersion } from '../../outbox/record-version.ts';
import { parseStatementBytes, type Statement } from '../../formats/index.ts';
import type { JsonValue } from '../../api/index.ts';
import { entryRecord, statementRecord, StatementSeries, ZSeries } from './index.ts';
import { camtStatement, closingBalance } from './statement-samples.ts';

const IBAN = 'DE89370400440532013000';
const NOW = '2026-11-29T10:00:00.000Z';

async function camt(from: number, to: number, sequence: number): Promise<Statement> {
  const xml = camtStatement({ iban: IBAN, sequence, opening: '1000.00', from, to });
  const parsed = await parseStatementBytes(new TextEncoder().encode(xml), `s${sequence}.xml`);
  return parsed.statements[0]!;
}

function statement(partial: Partial<Statement> & Pick<Statement, 'format'>): Statement {
  return { accountId: 'ACC-1', currency: 'EUR', entries: [], warnings: [], ...partial };
}

describe('statement records', () => {
  it('gives an entry in two overlapping downloads the same key and version, and new entries new ones', async () => {
    const first = await camt(0, 60, 1);
    const second = await camt(40, 100, 2);
    const versions = (s: Statement) =>
      new Map(s.entries.map((entry) => {
        const record = entryRecord({ stream: 'bank_entries', accountId: s.accountId, entry, capturedAt: NOW });
        return [JSON.stringify(record.key), recordVersion(record)];
      }));
    const a = versions(first);
    const b = versions(second);
    expect(a.size).toBe(60);
    expect(b.size).toBe(60);
    const shared = [...b.keys()].filter((k) => a.has(k));
    expect(shared).toHaveLength(20);
    for (const key of shared) expect(b.get(key)).toBe(a.get(key));
    expect(shared[0]).toBe(JSON.stringify({ account: IBAN, entryKey: `ref:${IBAN}:REF0000000040` }));
  });

  it('states balances, checks and the original file on the statement record', async () => {
    const s = await camt(0, 10, 7);
    const record = statementRecord({
      stream: 'bank_statements',
      statement: s,
      checks: [{ name: 'balance', passed: true, status: 'passed', message: 'ok' }],
      sourceFile: { sha256: 'ab'.repeat(32), name: 's7.xml' },
      capturedAt: NOW,
    });
    expect(record.key).toEqual({ account: IBAN, statement: '7' });
    expect(record.data).toMatchObject({
      accountId: IBAN,
      currency: 'EUR',
      entryCount: '10',
      openingBalance: { amount: '1000.00', currency: 'EUR' },
      closingBalance: { amount: closingBalance({ opening: '1000.00', from: 0, to: 10 }), currency: 'EUR' },
      sourceFile: { sha256: 'ab'.repeat(32), name: 's7.xml' },
    });
  });
});

describe('statement sequence per account', () => {
  const mt = (number: string, page: string, end: string) =>
    statement({ format: 'mt940', statementNumber: number, sequenceNumber: page, periodStart: end, periodEnd: end });

  it('says which MT940 statement/page is missing, and clears when it arrives late', () => {
    const series = new StatementSeries(undefined);
    series.observe(mt('15', '1', '2026-11-02'));
    expect(series.takeChanges()).toEqual([]);
    series.observe(mt('15', '3', '2026-11-02'));
    series.observe(mt('17', '1', '2026-11-04'));
    expect(series.takeChanges()).toEqual([{ id: 'ACC-1', message: 'Statements 15/2 and 16 for account ACC-1 are missing.' }]);
    // The state survives a restart through the checkpoint (JSON).
    const restored = new StatementSeries(JSON.parse(JSON.stringify(series.toJSON())) as JsonValue);
    restored.observe(mt('15', '2', '2026-11-02'));
    expect(restored.takeChanges()).toEqual([{ id: 'ACC-1', message: 'Statement 16 for account ACC-1 is missing.' }]);
    restored.observe(mt('16', '1', '2026-11-03'));
    expect(restored.takeChanges()).toEqual([{ id: 'ACC-1', message: null }]);
  });

  it('treats the numbering starting again in a new year as no gap, and the same statement twice as nothing', () => {
    const series = new StatementSeries(undefined);
    series.observe(mt('250', '1', '2026-12-31'));
    series.observe(mt('1', '1', '2027-01-02'));
    series.observe(mt('1', '1', '2027-01-02'));
    expect(series.takeChanges()).toEqual([]);
    expect(series.warnings()).toEqual([]);
  });

  it('uses CAMT electronic sequence numbers and OFX periods', () => {
    const series = new StatementSeries(undefined);
    series.observe(statement({ format: 'camt.053', sequenceNumber: '4', periodEnd: '2026-11-01' }));
    series.observe(statement({ format: 'camt.053', sequenceNumber: '7', periodEnd: '2026-11-04' }));
    expect(series.takeChanges()[0]?.message).toBe('The statements with electronic sequence numbers 5 and 6 for account ACC-1 are missing.');
    const ofx = new StatementSeries(undefined);
    ofx.observe(statement({ format: 'ofx', accountId: 'CHK', periodStart: '2026-10-01', periodEnd: '2026-10-31' }));
    ofx.observe(statement({ format: 'ofx', accountId: 'CHK', periodStart: '2026-11-10', periodEnd: '2026-11-30' }));
    expect(ofx.takeChanges()[0]?.message).toBe('No statement for account CHK covers 2026-11-01 to 2026-11-09: a download is missing.');
    ofx.observe(statement({ format: 'ofx', accountId: 'CHK', periodStart: '2026-11-01', periodEnd: '2026-11-05' }));
    expect(ofx.takeChanges()[0]?.message).toBe('No statement for account CHK covers 2026-11-06 to 2026-11-09: a download is missing.');
    // An overlapping re-download that reaches back is no gap.
    ofx.observe(statement({ format: 'ofx', accountId: 'CHK', periodStart: '2026-11-06', periodEnd: '2026-12-05' }));
    expect(ofx.takeChanges()).toEqual([{ id: 'CHK', message: null }]);
  });
});

describe('Z numbers per register', () => {
  it('reports missing Z numbers with their padding and clears them when they arrive', () => {
    const series = new ZSeries(undefined);
    series.observe({ register: 'till-1', zNumber: '00410' });
    series.observe({ register: 'till-2', zNumber: '7' });
    series.observe({ register: 'till-1', zNumber: '00413' });
    expect(series.takeChanges()).toEqual([
      { id: 'till-1', message: 'Register till-1: Z-00411 and Z-00412 are missing (the last report received is Z-00413).' },
    ]);
    const restored = new ZSeries(JSON.parse(JSON.stringify(series.toJSON())) as JsonValue);
    restored.observe({ register: 'till-1', zNumber: '00412' });
    restored.observe({ register: 'till-1', zNumber: '00411' });
    expect(restored.takeChanges()).toEqual([{ id: 'till-1', message: null }]);
  });
});
