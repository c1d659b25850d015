import { describe, expect, it } from 'vitest';
import { checkBalance, runChecks } from '../checks.ts';
import { FormatError } from '../format-error.ts';
import { parseDetails } from './details.ts';
import { parseMt940 } from './parse-mt940.ts';
import { parseStatementLine } from './statement-line.ts';

const ctx = { file: 'bank.sta' };
const where = { file: 'bank.sta', line: 7 };

const german = [
  ':20:STARTUMSE',
  ':25:10020030/1234567',
  ':28C:00015/001',
  ':60F:C240131EUR1000,00',
  ':61:2402010201DR25,50NDDTKREF+//BANKREF-1',
  ':86:105?00SEPA-LASTSCHRIFT?109310?20EREF+INV 1?21SVWZ+Strom Janu',
  'ar?30GENODEF1S04?31DE02100100109307118603?32Stadtwerke?33 Musterstadt',
  ':61:2402020202CR100,NTRFNONREF',
  ':86:166?00GUTSCHRIFT?20Miete?32Mieter',
  ':62F:C240202EUR1074,50',
  '-',
].join('\r\n');

describe('MT940 statement line (:61:)', () => {
  it('reads dates, mark, funds code, amount, type and references', () => {
    expect(parseStatementLine('1105240524D9,N192NONREF', where)).toMatchObject({
      valueDate: '2011-05-24',
      bookingDate: '2011-05-24',
      amount: '-9',
      creditDebit: 'debit',
      transactionType: 'N192',
    });
    const hsbc = parseStatementLine('1203290329DD20000,00NTRF1004688128      //6128522200250001\nSUPPLEMENTARY', where);
    expect(hsbc).toMatchObject({ amount: '-20000.00', customerReference: '1004688128', bankReference: '6128522200250001', supplementary: 'SUPPLEMENTARY' });
    expect(parseStatementLine('030109C000000000300.00NMSCNONREF', where)).toMatchObject({ amount: '300.00', bookingDate: '2003-01-09' });
    expect(parseStatementLine('180417CF2066637,00N527', where)).toMatchObject({ amount: '2066637.00', transactionType: 'N527' });
  });

  it('reverses the sign for RC and RD', () => {
    expect(parseStatementLine('0709040904RCR204,88NRTINONREF', where)).toMatchObject({ amount: '-204.88', creditDebit: 'debit' });
    expect(parseStatementLine('0709040904RDR5,00NRTINONREF', where)).toMatchObject({ amount: '5.00', creditDebit: 'credit' });
  });

  it('puts an entry date across New Year in the right year', () => {
    expect(parseStatementLine('2312310102D1,00NTRFX', where).bookingDate).toBe('2024-01-02');
    expect(parseStatementLine('2401011229D1,00NTRFX', where).bookingDate).toBe('2023-12-29');
  });

  it('repairs 30 February with a warning instead of inventing a value date', () => {
    const line = parseStatementLine('1602300301DR6,00N024NONREF', where);
    expect(line.valueDate).toBeUndefined();
    expect(line.bookingDate).toBe('2016-03-01');
    expect(line.warnings.join()).toMatch(/value date 160230 does not exist/);
    const noEntryDate = parseStatementLine('160230DR6,00N024NONREF', where);
    expect(noEntryDate.bookingDate).toBe('2016-02-29');
  });

  it('refuses what is not a statement line', () => {
    for (const bad of ['', '16023', '161301D1,00NTRF', '160101X1,00NTRF', '1601011399D1,00NTRF', '160101D,NTRF']) {
      expect(() => parseStatementLine(bad, where)).toThrow(FormatError);
    }
  });
});

describe(':86: dialects', () => {
  it('German structured subfields, wrapped anywhere', () => {
    expect(parseDetails('166?00UEBERWEISUNG?10931?20SVWZ+Musical Emilio CD\n?21IBAN: DE835?2200105179219844142 BIC: SBCR\n?23DE66 ?30SBCRDE66?31DE83500105179219844142?32Antonio Sueto')).toEqual({
      remittance: 'SVWZ+Musical Emilio CDIBAN: DE83500105179219844142 BIC: SBCRDE66',
      counterparty: 'Antonio Sueto',
      counterpartyAccount: 'DE83500105179219844142',
    });
  });

  it('Dutch keyword style', () => {
    expect(parseDetails('/TRTP/SEPA OVERBOEKING/IBAN/NL44RABO0123456789/BIC/RABONL2U/NAME/J. JANSEN/REMI/USTD//Factuur 2024-1/EREF/NOTPROVIDED')).toEqual({
      counterpartyAccount: 'NL44RABO0123456789',
      counterparty: 'J. JANSEN',
      remittance: 'Factuur 2024-1',
    });
    expect(parseDetails('/CNTP/NL12INGB0001234567/INGBNL2A/Shop B.V./Utrecht/REMI/Order 7')).toMatchObject({
      counterpartyAccount: 'NL12INGB0001234567',
      counterparty: 'Shop B.V.',
      remittance: 'Order 7',
    });
  });

  it('free text', () => {
    expect(parseDetails('GIRO   428428 KPN\nBETREFT FACTUUR')).toEqual({ remittance: 'GIRO 428428 KPN BETREFT FACTUUR' });
  });
});

describe('MT940 parser', () => {
  it('reads a German statement that adds up', () => {
    const parsed = parseMt940(Buffer.from(german), ctx);
    const [s] = parsed.statements;
    expect(parsed.format).toBe('mt940');
    expect(s).toMatchObject({ accountId: '10020030/1234567', currency: 'EUR', statementNumber: '00015', sequenceNumber: '001' });
    expect(s?.openingBalance).toEqual({ amount: '1000.00', currency: 'EUR', date: '2024-01-31', kind: '60F' });
    expect(s?.entries[0]).toMatchObject({
      amount: '-25.50',
      bankReference: 'BANKREF-1',
      entryKey: 'ref:10020030/1234567:BANKREF-1',
      counterparty: 'Stadtwerke Musterstadt',
      remittance: 'EREF+INV 1SVWZ+Strom Januar',
    });
    expect(s?.entries[1]?.entryKey).toMatch(/^digest:/);
    expect(checkBalance(s!).status).toBe('passed');
  });

  it('reads SWIFT blocks, several statements, intermediate balances, IBAN accounts and CR line ends', () => {
    const text = [
      '{1:F01BANKDEFFXXXX0000000000}{2:I940BANKDEFFXXXXN}{4:',
      ':20:A',
      ':25:BANKDEFF/DE89370400440532013000',
      ':28C:7/1',
      ':60F:C240101EUR10,00',
      ':61:240102D1,00NTRFNONREF',
      ':62M:C240102EUR9,00',
      '-}',
      '{1:F01BANKDEFFXXXX0000000000}{2:I940BANKDEFFXXXXN}{4:',
      ':20:A',
      ':25:BANKDEFF/DE89370400440532013000',
      ':28C:7/2',
      ':60M:C240102EUR9,00',
      ':62F:D240102EUR9,00',
      '-}',
    ].join('\r');
    const { statements } = parseMt940(text, ctx);
    expect(statements.map((s) => [s.iban, s.sequenceNumber, s.openingBalance?.kind, s.closingBalance?.kind])).toEqual([
      ['DE89370400440532013000', '1', '60F', '62M'],
      ['DE89370400440532013000', '2', '60M', '62F'],
    ]);
    expect(statements.map((s) => checkBalance(s).status)).toEqual(['passed', 'failed']);
    expect(checkBalance(statements[1]!).message).toMatch(/closing balance -9.00 EUR expected, opening 9.00 EUR plus 0 entries \(0.00 EUR\) add up to 9.00 EUR: difference -18.00 EUR/i);
  });

  it('reads MT942 with its debit/credit totals as control totals', () => {
    const text = [':20:X', ':25:ACC1', ':28C:1/1', ':34F:EURD0,00', ':13D:2410301730+0100', ':61:241030D0,42NMSCNONREF', ':90D:1EUR0,42', ':90C:0EUR0,00'].join('\n');
    const parsed = parseMt940(text, ctx);
    expect(parsed.format).toBe('mt942');
    expect(parsed.statements[0]).toMatchObject({ currency: 'EUR', periodEnd: '2024-10-30' });
    expect(runChecks(parsed).map((c) => c.status)).toEqual(['skipped', 'passed', 'passed']);
    const wrong = parseMt940(text.replace(':90D:1EUR0,42', ':90D:2EUR2,30'), ctx);
    expect(runChecks(wrong)[1]?.message).toMatch(/total 2.30 EUR stated, the records add up to 0.42 EUR: difference 1.88 EUR; 2 stated, 1 found/i);
  });

  it('reads 8-bit text as Windows-1252 with a warning, or as the configured code page', () => {
    const bytes = Buffer.from(german.replace('Stadtwerke', 'Stadtw\u00e9rke'), 'latin1');
    const parsed = parseMt940(bytes, ctx);
    expect(parsed.statements[0]?.entries[0]?.counterparty).toBe('Stadtwérke Musterstadt');
    expect(parsed.warnings.join()).toMatch(/not valid UTF-8; it was read as windows-1252/);
    const latin2 = parseMt940(Buffer.from(german.replace('Stadtwerke', 'Stadtw\u00e8rke'), 'latin1'), { ...ctx, encoding: 'iso-8859-2' });
    expect(latin2.statements[0]?.entries[0]?.counterparty).toBe('Stadtwčrke Musterstadt');
  });

  describe('rejects broken statements with line and field', () => {
    const cases: [string, string, RegExp][] = [
      ['second account', german.replace(':62F:', ':25:OTHER\r\n:62F:'), /line 10, field :25:: the account appears a second time in the statement that began on line 1/],
      ['cut off', german.split('\r\n').slice(0, 8).join('\r\n'), /line 1, field :62F:: the statement that begins here has no closing balance \(:62F:\); the file may be cut off/],
      ['bad statement line', german.replace(':61:2402010201DR', ':61:2402010201XR'), /line 5, field :61:: "2402010201XR25,50NDDTKREF\+\/\/BANKREF-1" is not a statement line/],
      ['bad balance', german.replace(':60F:C240131EUR1000,00', ':60F:C240131EUR'), /line 4, field :60F:: "C240131EUR" is not a balance/],
      ['field first', german.replace(':20:STARTUMSE\r\n', ''), /line 1, field :25:: a field comes before the statement begins/],
      ['nothing', 'hello\nworld', /no MT940\/MT942 statement was found/],
      ['line after closing', german.replace(':62F:C240202EUR1074,50', ':62F:C240202EUR1074,50\r\n:61:2402020202CR1,NTRFX'), /a statement line comes after the closing balance/],
    ];
    for (const [name, text, message] of cases) {
      it(name, () => {
        let error: unknown;
        try {
          parseMt940(text, ctx);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FormatError);
        expect((error as Error).message).toMatch(message);
        expect((error as FormatError).file).toBe('bank.sta');
      });
    }
  });
});
