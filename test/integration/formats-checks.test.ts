/**
 * Checks before upload on real files changed in memory: an unbalanced statement must fail with the
 * difference in words and figures, a wrong BAI2 trailer likewise, a missing statement number raises a
 * sequence warning, and an overlapping re-download gives the same entry keys for the same entries.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile, parseStatementBytes, type ParseReport } from '../../agents/formats/index.ts';
import { corpusPath, hasExternalCorpus } from '../helpers/external-corpus.ts';

const bank = corpusPath('bank');
/** Every case here changes a file of the external corpus. */
const describeOnCorpus = describe.skipIf(!hasExternalCorpus());
const dir = mkdtempSync(path.join(tmpdir(), 'formats-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(file: string): string {
  return readFileSync(path.join(bank, file), 'latin1');
}

/** Writes changed text (byte for byte, latin1) to a temp file and parses it like any dropped file. */
async function parseChanged(name: string, text: string): Promise<ParseReport> {
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.from(text, 'latin1'));
  return parseFile(file);
}

function replaceOnce(text: string, from: string, to: string): string {
  expect(text, `the fixture must contain ${from}`).toContain(from);
  return text.replace(from, to);
}

describeOnCorpus('control totals on changed fixtures', () => {
  it('CAMT: a statement that added up fails once one amount changes, with the difference', async () => {
    const original = fixture('camt/bankstatementparser_camt053_multicurrency.xml');
    expect((await parseChanged('balanced.xml', original)).accepted).toBe(true);
    const report = await parseChanged('unbalanced.xml', replaceOnce(original, '<Amt Ccy="EUR">1250.50</Amt>', '<Amt Ccy="EUR">1250.40</Amt>'));
    expect(report.accepted).toBe(false);
    const failed = report.checks.filter((c) => c.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.name).toBe('balance of account DE89370400440532013000 (2026-04-30)');
    expect(failed[0]?.message).toBe(
      'Closing balance 10,750.25 EUR expected, opening 10,000.00 EUR plus 2 entries (750.15 EUR) add up to 10,750.15 EUR: difference 0.10 EUR.',
    );
    // The USD statement in the same file is untouched and still adds up.
    expect(report.checks.find((c) => c.name.includes('US-ACCT-0099'))?.status).toBe('passed');
  });

  it('MT940: one changed statement line in a 26-statement file fails only that statement', async () => {
    const original = fixture('mt940/wolph-mt940_betterplace_sepa_mt9401.sta');
    const before = await parseChanged('ok.sta', original);
    expect(before.checks.filter((c) => c.status === 'passed')).toHaveLength(26);
    const report = await parseChanged('changed.sta', replaceOnce(original, ':61:0709040904CR300,NTRF', ':61:0709040904CR300,01NTRF'));
    const failed = report.checks.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.name)).toEqual(['balance of account 50880050/0194774600888 statement 00004/00001 (2007-09-04)']);
    expect(failed[0]?.message).toMatch(/^Closing balance -1,237,628.23 EUR expected, .* add up to -1,237,628.22 EUR: difference -0.01 EUR\.$/);
    expect(report.accepted).toBe(false);
  });

  it('BAI2: a changed detail amount breaks its account trailer total, named with line and figures', async () => {
    const original = fixture('bai2/moov-bai2_sample1.txt');
    expect((await parseChanged('ok.bai', original)).accepted).toBe(true);
    const report = await parseChanged('changed.bai', replaceOnce(original, '16,409,000000000002500,V,060316,,,,RETURNED CHEQUE', '16,409,000000000002600,V,060316,,,,RETURNED CHEQUE'));
    const failed = report.checks.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.name)).toEqual(['BAI2 account trailer (49, line 16) for account 10200123456']);
    expect(failed[0]?.message).toBe('Total 8,340.00 CAD stated, the records add up to 8,341.00 CAD: difference -1.00 CAD.');
  });

  it('BAI2: a record count that does not match while every amount agrees is a warning with both counts (issue 10)', async () => {
    const report = await parseChanged('count.bai', replaceOnce(fixture('bai2/moov-bai2_sample1.txt'), '49,+00000000000446000,9/', '49,+00000000000446000,10/'));
    expect(report.accepted).toBe(true);
    expect(report.warnings.join('\n')).toMatch(/count\.bai: the account trailer \(49, line \d+\) for account \S+ states 10 records but 9 were found; every amount total agrees/);
    const both = await parseChanged('both.bai', replaceOnce(fixture('bai2/moov-bai2_sample1.txt'), '49,+00000000000446000,9/', '49,+00000000000446100,10/'));
    expect(both.checks.find((c) => c.status === 'failed')?.message).toMatch(/difference -?1\.00 \w+; 10 stated, 9 found\.$/);
  });
});

describeOnCorpus('statement sequence', () => {
  it('MT940: a statement number skipped inside a file raises a warning naming the missing statements', async () => {
    const original = fixture('mt940/wolph-mt940_jejik_abnamro.sta');
    expect((await parseChanged('seq-ok.sta', original)).warnings.filter((w) => /missing/.test(w))).toEqual([]);
    const report = await parseChanged('seq-gap.sta', replaceOnce(original, ':28C:19322/1', ':28C:19324/1'));
    expect(report.warnings).toContain('Statements 19322, 19323 for account 517852257 are missing.');
  });
});

describeOnCorpus('overlapping re-downloads', () => {
  it('OFX: entries already in the first download get the same keys from FITID', async () => {
    const original = fixture('ofx/asgrim-ofxparser_ofxdata-oneline.ofx');
    const first = await parseStatementBytes(Buffer.from(original, 'latin1'), 'first.ofx');
    const transactions = original.match(/<STMTTRN>.*?<\/STMTTRN>/g) ?? [];
    expect(transactions).toHaveLength(8);
    // The second download drops the three oldest and adds a new one.
    const second = original.replace(transactions.slice(5).join(''), '').replace(transactions[0] ?? '', `${transactions[0] ?? ''}<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20160720<TRNAMT>-9.99<FITID>NEW-1<NAME>NEW</STMTTRN>`);
    const again = await parseStatementBytes(Buffer.from(second, 'latin1'), 'second.ofx');
    const sent = new Set(first.statements[0]?.entries.map((e) => e.entryKey));
    const fresh = again.statements[0]?.entries.filter((e) => !sent.has(e.entryKey)) ?? [];
    expect(fresh.map((e) => e.bankReference)).toEqual(['NEW-1']);
  });

  it('CSV without references: the same rows in a shorter export keep their content keys, twins stay apart', async () => {
    const original = fixture('csv/ofxstatement-de-ing_test_with_saldo_1.csv');
    const full = await parseStatementBytes(Buffer.from(original, 'latin1'), 'full.csv');
    const lines = original.split('\n');
    const header = lines.findIndex((l) => l.startsWith('Buchung;'));
    // The newer export lacks the two newest rows.
    const shorter = [...lines.slice(0, header + 1), ...lines.slice(header + 3)].join('\n');
    const partial = await parseStatementBytes(Buffer.from(shorter, 'latin1'), 'shorter.csv');
    const fullKeys = full.statements[0]?.entries.map((e) => e.entryKey) ?? [];
    const partialKeys = partial.statements[0]?.entries.map((e) => e.entryKey) ?? [];
    expect(partialKeys).toEqual(fullKeys.slice(2));
    // Three identical INFOPAY rows on 09.12.2018 are three entries.
    expect(new Set(fullKeys).size).toBe(fullKeys.length);
    expect(full.statements[0]?.entries.filter((e) => e.bookingDate === '2018-12-09')).toHaveLength(3);
  });
});
