import { describe, expect, it } from 'vitest';
import { runChecks } from '../checks.ts';
import { FormatError } from '../format-error.ts';
import { parseBai2 } from './parse-bai2.ts';
import { splitBai2Records } from './records.ts';

const ctx = { file: 'prior-day.bai' };

// Account: opening 100.00, +25.00 (V funds, value date), -5.50 (S funds), closing 119.50.
// 49 total = 10000 + 11950 + 2500 + 550 + 300 (the 100 summary) = 25300; records 03,88,16,88,16,49 = 6.
const good = [
  '01,SENDER,RECEIVER,240301,0600,1,,,2/',
  '02,RECEIVER,BANK,1,240229,2400,USD,2/',
  '03,123456789,USD,010,10000,,,015,11950,,/',
  '88,100,300,1,Z/',
  '16,195,2500,V,240301,,WIRE-1,CUST-9,INCOMING WIRE ACME/',
  '88,INVOICE 42',
  '16,475,550,S,100,200,250,CHK-7,,CHECK PAID/',
  '49,25300,6/',
  '98,25300,1,8/',
  '99,25300,1,10/',
].join('\n');

describe('BAI2 records', () => {
  it('joins continuations, splits several records on one line and reads records without a slash', () => {
    const records = splitBai2Records('01,A,B,240301,0600,1,,,2/   02,B,C,1,240229,,USD,/\n16,142,100,Z,,,TEXT WRAPPED\nONTO NEXT LINE /\n88,MORE, TEXT\n', 'f');
    expect(records.map((r) => r.code)).toEqual(['01', '02', '16']);
    expect(records[2]?.fields.slice(5).join(',')).toBe('TEXT WRAPPED ONTO NEXT LINE');
    expect(records[2]?.continuations).toEqual(['MORE, TEXT']);
    expect(records[2]?.physical).toBe(2);
  });
});

describe('BAI2 parser', () => {
  it('reads accounts, details with funds types, ledger balances and matching trailers', () => {
    const parsed = parseBai2(Buffer.from(good), ctx);
    const [s] = parsed.statements;
    expect(s).toMatchObject({ accountId: '123456789', currency: 'USD', periodStart: '2024-02-29', periodEnd: '2024-02-29' });
    expect(s?.openingBalance).toEqual({ amount: '100.00', currency: 'USD', date: '2024-02-29', kind: '010' });
    expect(s?.closingBalance).toMatchObject({ amount: '119.50', kind: '015' });
    expect(s?.entries).toEqual([
      {
        bookingDate: '2024-02-29',
        valueDate: '2024-03-01',
        amount: '25.00',
        currency: 'USD',
        creditDebit: 'credit',
        bankReference: 'WIRE-1',
        remittance: 'INCOMING WIRE ACME INVOICE 42',
        entryKey: 'ref:123456789:WIRE-1',
      },
      { bookingDate: '2024-02-29', amount: '-5.50', currency: 'USD', creditDebit: 'debit', bankReference: 'CHK-7', remittance: 'CHECK PAID', entryKey: 'ref:123456789:CHK-7' },
    ]);
    const checks = runChecks(parsed);
    expect(checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed', 'passed']);
    expect(checks[1]?.message).toBe('Matches: total 253.00 USD, 6 counted.');
  });

  it('reports trailer totals and counts that do not match, with the difference', () => {
    const parsed = parseBai2(good.replace('49,25300,6/', '49,25350,7/').replace('98,25300,1,8/', '98,25350,2,9/'), ctx);
    const [balance, account, group, accounts] = runChecks(parsed);
    expect(balance?.status).toBe('passed');
    expect(account).toMatchObject({ status: 'failed', message: 'Total 253.50 USD stated, the records add up to 253.00 USD: difference 0.50 USD; 7 stated, 6 found.' });
    expect(group?.status).toBe('failed');
    expect(accounts).toMatchObject({ status: 'failed', message: '2 stated, 1 found.' });
  });

  it('uses the group currency and its minor units, and USD when none is given', () => {
    const yen = parseBai2(good.replace('02,RECEIVER,BANK,1,240229,2400,USD,2/', '02,RECEIVER,BANK,1,240229,2400,JPY,2/').replace('03,123456789,USD', '03,123456789,'), ctx);
    expect(yen.statements[0]?.openingBalance?.amount).toBe('10000');
    const none = parseBai2(good.replace('240229,2400,USD,2/', '240229,2400,,2/').replace('03,123456789,USD', '03,123456789,'), ctx);
    expect(none.statements[0]?.currency).toBe('USD');
    expect(none.warnings.join()).toMatch(/BAI2 then means US dollars/);
  });

  describe('rejects broken files with the line and what was expected', () => {
    const cases: [string, string, RegExp][] = [
      ['bad record code', good.replace('16,475', '17,475'), /line 7, field record code: "17,475,550,S,100,200" does not start with a BAI2 record code/],
      ['cut off', good.split('\n').slice(0, 7).join('\n'), /line 7, field record 99: the file ends without its 99 file trailer; it looks cut off/],
      ['detail outside account', good.replace('03,123456789,USD,010,10000,,,015,11950,,/\n88,100,300,1,Z/\n', ''), /a transaction detail outside an account/],
      ['bad amount', good.replace('16,195,2500', '16,195,25.00'), /line 5, field amount: "25.00" is not an amount/],
      ['bad funds type', good.replace(',V,240301,', ',Q,240301,'), /field funds type: "Q" is not a funds type/],
      ['bad date', good.replace('240229,2400', '240230,2400'), /line 2, field as-of date: "240230" is not an as-of date/],
      ['no header', good.split('\n').slice(1).join('\n'), /the file starts with a 02 record; expected a 01 file header first/],
      ['after trailer', `${good}\n16,195,1,Z,,,X/`, /a record follows the 99 file trailer/],
    ];
    for (const [name, text, message] of cases) {
      it(name, () => {
        let error: unknown;
        try {
          parseBai2(text, ctx);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FormatError);
        expect((error as Error).message).toMatch(message);
      });
    }
  });
});
