import { describe, expect, it } from 'vitest';
import type { StatementPosition } from './sequence.ts';
import { sequenceGap } from './sequence.ts';

const mt = (statementNumber: string, sequenceNumber?: string): StatementPosition => ({
  format: 'mt940',
  accountId: 'NL91ABNA0417164300',
  statementNumber,
  ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
});

describe('statement sequence gaps', () => {
  it('MT940 :28C: statement numbers and pages', () => {
    expect(sequenceGap(mt('15', '1'), mt('15', '2'))).toBeUndefined();
    expect(sequenceGap(mt('15', '1'), mt('15', '3'))).toBe('Statement 15/2 for account NL91ABNA0417164300 is missing.');
    expect(sequenceGap(mt('15', '3'), mt('16', '1'))).toBeUndefined();
    expect(sequenceGap(mt('15', '3'), mt('16', '2'))).toBe('Statement 16/1 for account NL91ABNA0417164300 is missing.');
    expect(sequenceGap(mt('00015', '1'), mt('00018', '1'))).toBe('Statements 16, 17 for account NL91ABNA0417164300 are missing.');
    expect(sequenceGap(mt('365'), mt('1'))).toBeUndefined();
    expect(sequenceGap(mt('0'), mt('0'))).toBeUndefined();
    expect(sequenceGap(mt('15'), { ...mt('17'), accountId: 'other' })).toBeUndefined();
  });

  it('CAMT electronic sequence numbers', () => {
    const camt = (n: string): StatementPosition => ({ format: 'camt.053', accountId: 'DE1', sequenceNumber: n });
    expect(sequenceGap(camt('41'), camt('42'))).toBeUndefined();
    expect(sequenceGap(camt('41'), camt('43'))).toBe('Statement with electronic sequence number 42 for account DE1 is missing.');
  });

  it('OFX periods with a day covered by neither', () => {
    const ofx = (periodStart: string, periodEnd: string): StatementPosition => ({ format: 'ofx', accountId: 'A', periodStart, periodEnd });
    expect(sequenceGap(ofx('2024-01-01', '2024-01-31'), ofx('2024-02-01', '2024-02-29'))).toBeUndefined();
    expect(sequenceGap(ofx('2024-01-01', '2024-01-31'), ofx('2024-01-15', '2024-02-29'))).toBeUndefined();
    expect(sequenceGap(ofx('2024-01-01', '2024-01-31'), ofx('2024-02-05', '2024-02-29'))).toBe(
      'No statement for account A covers 2024-02-01 to 2024-02-04: a download is missing.',
    );
  });
});
