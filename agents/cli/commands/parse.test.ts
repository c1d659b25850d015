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
import { BANK_LAYOUTS, layoutBytes } from '../../../test/helpers/csv-bank-layouts.ts';
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

describe('tya-agent parse on a CSV no profile knows (detection)', () => {
  const write = (name: string): string => {
    const layout = BANK_LAYOUTS.find((l) => l.name === name);
    if (layout === undefined) throw new Error(`no layout ${name}`);
    const file = path.join(dir, `${name}.csv`);
    writeFileSync(file, layoutBytes(layout));
    return file;
  };
  const entriesOf = (stdout: string) => (JSON.parse(stdout) as BankJson).statements.flatMap((s) => s.entries.map((e) => [e.amount, e.entryKey]));

  it('proposes a profile with its confidence and evidence, and parses when nothing is open (Windows-1250, preamble)', async () => {
    const file = write('pl-mbank');
    const result = await runCli(['parse', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('pl-mbank.csv: no built-in CSV profile fits; proposed profile "pl-mbank" (confidence 1.00)');
    expect(result.stdout).toMatch(/encoding +windows-1250/);
    expect(result.stdout).toContain('"preambleAccountLabel": "#Numer rachunku"');
    expect(result.stdout).toContain('CSV, would be accepted');
    expect(result.stdout).toMatch(/2024-04-10 +-23\.49 PLN +ZAKUP PRZY UŻYCIU KARTY Żabka Łódź/);
    // Every line of the human output is ended, with \n only.
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout).not.toContain('\r');
    const json = JSON.parse((await runCli(['parse', file, '--json'])).stdout) as BankJson & { detection: { confidence: number; profile: { dateFormat: string } } };
    expect(json.detection).toMatchObject({ confidence: 1, profile: { dateFormat: 'YYYY-MM-DD' } });
    expect(json.statements[0]?.entries.map((e) => e.amount)).toEqual(['5400.00', '-23.49', '-1250.00']);
  });

  it('does not guess 03/01: names both readings and the options (exit 3); the options settle it, and the saved profile reads the same entries', async () => {
    const file = write('uk-ambiguous-dates');
    const open = await runCli(['parse', file, '--json']);
    expect(open.code).toBe(3);
    expect(open.stderr).toContain('uk-ambiguous-dates.csv was not parsed: dateFormat is not settled');
    expect(open.stderr).toContain('--date-format DD/MM/YYYY, --date-format MM/DD/YYYY');
    expect(open.stderr).toContain('--currency');
    const report = JSON.parse(open.stdout) as { accepted: boolean; statements?: unknown; detection: { ambiguities: Array<{ field: string; readings: string[] }> } };
    expect(report.accepted).toBe(false);
    expect(report.statements).toBeUndefined();
    expect(report.detection.ambiguities.map((a) => a.field)).toEqual(['dateFormat', 'currency']);

    const saved = path.join(dir, 'uk-bank.json');
    const settled = await runCli(['parse', file, '--date-format', 'DD/MM/YYYY', '--currency', 'GBP', '--save-profile', saved, '--json']);
    expect(settled.code, settled.stderr).toBe(0);
    const again = await runCli(['parse', file, '--profile', saved, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(entriesOf(again.stdout)).toEqual(entriesOf(settled.stdout));
    expect((JSON.parse(again.stdout) as BankJson).statements[0]).toMatchObject({ currency: 'GBP' });
    expect(entriesOf(again.stdout).map((e) => e[0])).toEqual(['-45.10', '1800.00', '-38.00']);
  });

  it('a CSV without a header it can read is refused with file, line and field; wrong options are usage errors (exit 2)', async () => {
    const file = path.join(dir, 'odd.csv');
    writeFileSync(file, 'foo;bar\n1;2\n');
    const refused = await runCli(['parse', file]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('odd.csv would be rejected: odd.csv, line 1, field header: no header row naming a date and an amount');
    const wrong = await runCli(['parse', file, '--decimal-separator', ';']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--decimal-separator must be "." or ","');
    const notJson = await runCli(['parse', write('nl-ing'), '--save-profile', path.join(dir, 'profile.txt')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('the file name must end in .json');
  });
});
