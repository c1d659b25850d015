/**
 * The project's own bank samples are read as a watched folder reads a dropped file (parseFile):
 * every format accepted, every statement, amount and balance as the file states it, balances
 * checked where the file has both ends.
 */
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../agents/formats/index.ts';
import { BANK_SAMPLES, bankSampleBytes, bankSamplePath, type SampleFormat } from './bank-samples.ts';

describe('bank samples the project owns', () => {
  it('covers every bank format the agent reads', () => {
    const formats: SampleFormat[] = ['camt', 'mt940', 'ofx', 'bai2', 'csv'];
    for (const format of formats) expect(bankSampleBytes(format).length, format).toBeGreaterThan(0);
  });

  for (const sample of BANK_SAMPLES) {
    it(`${sample.file}: accepted, with the statements, amounts and balances it states`, async () => {
      const report = await parseFile(bankSamplePath(sample.file));
      expect(report.error, report.error?.message).toBeUndefined();
      expect(report).toMatchObject({ format: sample.reported, accepted: true });
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(
        report.statements.map((s) => ({
          accountId: s.accountId,
          currency: s.currency,
          amounts: s.entries.map((e) => e.amount),
          ...(s.openingBalance === undefined ? {} : { opening: s.openingBalance.amount }),
          ...(s.closingBalance === undefined ? {} : { closing: s.closingBalance.amount }),
        })),
      ).toEqual(sample.statements);
      const balanced = sample.statements.filter((s) => s.opening !== undefined && s.closing !== undefined).length;
      expect(report.checks.filter((c) => c.status === 'passed' && c.name.startsWith('balance of account'))).toHaveLength(balanced);
    });
  }
});
