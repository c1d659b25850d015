/**
 * `tya-agent parse` as a real process against bank files no one here wrote (the shared fixtures, read
 * in place) and against Z reports: exit codes, JSON that matches what the sources project states,
 * and reasons a person can act on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/agent-process.ts';
import { corpusPath, hasExternalCorpus } from '../../../test/helpers/external-corpus.ts';
import { sampleZReport, zReportCsv } from '../../formats/zreport/zreport-samples.ts';

const FIXTURES = corpusPath('bank');
/** The cases that read bank files of the external corpus. */
const itOnCorpus = it.skipIf(!hasExternalCorpus());
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-parse-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface BankJson {
  kind: string;
  format: string;
  accepted: boolean;
  statements: Array<{ accountId: string; currency: string; closingBalance?: { amount: string }; entries: Array<{ amount: string; entryKey: string }> }>;
  checks: Array<{ status: string; message: string }>;
  error?: { line?: number; field?: string };
}

describe('tya-agent parse', () => {
  itOnCorpus('prints an OFX statement as JSON with the balance and count its source project states (exit 0)', async () => {
    // EXPECTED.csv: ofxparse_bank_medium.ofx has 3 transactions and a closing (LEDGERBAL) balance of 382.34.
    const result = await runCli(['parse', path.join(FIXTURES, 'ofx/ofxparse_bank_medium.ofx'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as BankJson;
    expect(report).toMatchObject({ kind: 'bank', format: 'ofx', accepted: true });
    expect(report.statements).toHaveLength(1);
    expect(report.statements[0]?.entries).toHaveLength(3);
    expect(report.statements[0]?.closingBalance?.amount).toBe('382.34');
    for (const entry of report.statements[0]!.entries) expect(typeof entry.amount).toBe('string');
  });

  itOnCorpus('describes an MT940 statement in words, with the balance check', async () => {
    const result = await runCli(['parse', path.join(FIXTURES, 'mt940/wolph-mt940_sberbank_171011_01234945.sta')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('MT940, would be accepted');
    expect(result.stdout).toContain('opening 627,311.30 HUF (60F, 2017-10-11) → closing 617,874.30 HUF (62F, 2017-10-11)');
    expect(result.stdout).toMatch(/passed +balance of account 1966315302010001/);
  });

  itOnCorpus('exits 3 and names the line and field when a file cannot be read', async () => {
    const result = await runCli(['parse', path.join(FIXTURES, 'ofx/ofxparse_fail_nice_decimal_error.ofx'), '--json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ofxparse_fail_nice_decimal_error.ofx would be rejected: ofxparse_fail_nice_decimal_error.ofx, line 37, field STMTTRN/TRNAMT: "$120" is not an amount');
    const report = JSON.parse(result.stdout) as BankJson;
    expect(report.accepted).toBe(false);
    expect(report.error).toMatchObject({ line: 37, field: 'STMTTRN/TRNAMT' });
  });

  itOnCorpus('exits 3 with the difference when a statement does not add up', async () => {
    const result = await runCli(['parse', path.join(FIXTURES, 'mt940/jejik-mt940_ing-dos.txt')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/jejik-mt940_ing-dos\.txt would be rejected: balance of account .*: Closing balance 3\.47 EUR expected, .*difference/);
  });

  itOnCorpus('reads a CSV export with a named profile, and refuses an unknown profile (exit 2)', async () => {
    const file = path.join(FIXTURES, 'csv/ofxstatement-de-ing_test_with_saldo_1.csv');
    const result = await runCli(['parse', file, '--profile', 'ing-de', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as BankJson).statements[0]?.entries).toHaveLength(9);
    const unknown = await runCli(['parse', file, '--profile', 'no-such-bank']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no CSV profile called "no-such-bank".');
    expect(unknown.stderr).toContain('ing-de');
  });

  it('recognises a Z report and shows tenders and cash over/short; a total that does not add up exits 3', async () => {
    const good = path.join(dir, 'z.csv');
    writeFileSync(good, zReportCsv([sampleZReport({ cash: { openingFloat: '100.00', paidOut: '20.00', counted: '470.00' } })], ';'));
    const result = await runCli(['parse', good]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Z report (zreport-csv), would be accepted');
    expect(result.stdout).toContain('Z-00412, register till-1, business day 2026-11-28');
    expect(result.stdout).toContain('expected 480.00 EUR, counted 470.00 EUR, difference -10.00 EUR');
    expect(result.stdout).toContain('cash short by 10.00 EUR');
    const bad = path.join(dir, 'z-bad.csv');
    writeFileSync(bad, zReportCsv([sampleZReport({ total: '1000.00' })]));
    const refused = await runCli(['parse', bad, '--json']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('z-bad.csv would be rejected: tenders of Z-00412 of register till-1 add up to its total: Total 1,000.00 EUR stated');
    expect(JSON.parse(refused.stdout)).toMatchObject({ kind: 'zreport', accepted: false, reports: [{ zNumber: '00412' }] });
  });
});
