import { describe, expect, it } from 'vitest';
import { checkBalance } from '../checks.ts';
import { FormatError } from '../format-error.ts';
import { parseOfx } from './parse-ofx.ts';
import { parseOfxBody } from './sgml.ts';

const ctx = { file: 'export.qfx' };

const header = 'OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n';

function trn(amount: string, fitid: string, extra = ''): string {
  return `<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105120000.000[-5:EST]<TRNAMT>${amount}<FITID>${fitid}<NAME>Shop &amp; Co<MEMO>card 1234${extra}</STMTTRN>`;
}

function bank(acct: string, body: string, ledger = '<LEDGERBAL><BALAMT>90.00<DTASOF>20240131</LEDGERBAL>'): string {
  return `<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000248<ACCTID>${acct}<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20240101<DTEND>20240131${body}</BANKTRANLIST>${ledger}</STMTRS></STMTTRNRS>`;
}

const sgml = `${header}<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240131<LANGUAGE>ENG<INTU.BID>3000</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1>${bank('111', trn('-10.00', 'F1') + trn('5.5', 'F2'))}</BANKMSGSRSV1></OFX>`;

describe('OFX tree reader', () => {
  it('reads SGML with unclosed elements the same as XML with closed ones', () => {
    const a = parseOfxBody('<OFX><A><B>1<C>two</A></OFX>', 0, 1, 'f');
    const b = parseOfxBody('<OFX>\n  <A>\n    <B>1</B>\n    <C>two</C>\n  </A>\n</OFX>', 0, 1, 'f');
    const strip = (n: { name: string; value?: string; children: unknown[] }): unknown => ({
      name: n.name,
      value: n.value,
      children: (n.children as (typeof n)[]).map(strip),
    });
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).toEqual({
      name: 'OFX',
      value: undefined,
      children: [{ name: 'A', value: undefined, children: [{ name: 'B', value: '1', children: [] }, { name: 'C', value: 'two', children: [] }] }],
    });
  });

  it('reads SGML empty elements without end tags as empty values', () => {
    const node = parseOfxBody('<OFX><LEDGERBAL><BALAMT><DTASOF>20240131</LEDGERBAL></OFX>', 0, 1, 'f');
    expect(node.children[0]?.children.map((c) => [c.name, c.value])).toEqual([
      ['BALAMT', ''],
      ['DTASOF', '20240131'],
    ]);
  });

  it('reads CDATA, entities, comments and empty elements', () => {
    const node = parseOfxBody('<OFX><!-- x --><N><![CDATA[ A<B ]]></N><M>a &amp; b &#233;</M><E></E><F/></OFX>', 0, 1, 'f');
    expect(node.children.map((c) => [c.name, c.value])).toEqual([
      ['N', 'A<B'],
      ['M', 'a & b é'],
      ['E', ''],
      ['F', ''],
    ]);
  });

  it('refuses aggregates closed out of order or left open', () => {
    expect(() => parseOfxBody('<OFX><STMTTRN><B>1</STATUS></OFX>', 0, 1, 'f')).toThrow(/<\/STATUS> comes while <STMTTRN> \(line 1\) is still open/);
    expect(() => parseOfxBody('<OFX><STMTTRN><STATUS><C>1</STMTTRN></OFX>', 0, 1, 'f')).toThrow(/<\/STMTTRN> comes while <STATUS>/);
    expect(() => parseOfxBody('<OFX><A><B>1</A>', 0, 1, 'f')).toThrow(/ends while <OFX> \(line 1\) is still open; it looks cut off/);
    expect(() => parseOfxBody('<OFX><A>1</X></OFX>', 0, 1, 'f')).toThrow(/<\/X> comes while <OFX>/);
    expect(() => parseOfxBody('<OFX><A 1</OFX>', 0, 1, 'f')).toThrow(/a tag is not closed/);
  });
});

describe('OFX parser', () => {
  it('reads an OFX 1.x SGML / QFX bank statement', () => {
    const parsed = parseOfx(Buffer.from(sgml), ctx);
    expect(parsed.format).toBe('ofx');
    const [s] = parsed.statements;
    expect(s).toMatchObject({ accountId: '111', currency: 'USD', periodStart: '2024-01-01', periodEnd: '2024-01-31' });
    expect(s?.closingBalance).toEqual({ amount: '90.00', currency: 'USD', kind: 'LEDGERBAL', date: '2024-01-31' });
    expect(s?.entries[0]).toEqual({
      bookingDate: '2024-01-05',
      amount: '-10.00',
      currency: 'USD',
      creditDebit: 'debit',
      counterparty: 'Shop & Co',
      remittance: 'card 1234',
      bankReference: 'F1',
      entryKey: 'ref:111:F1',
    });
    expect(s?.entries[1]).toMatchObject({ amount: '5.5', creditDebit: 'credit' });
    expect(checkBalance(s!)).toMatchObject({ status: 'skipped', message: expect.stringMatching(/only its closing balance \(90.00 USD\), as OFX does/) as unknown });
  });

  it('reads OFX 2.x XML with several accounts and a credit card statement', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n<OFX>
<BANKMSGSRSV1>${bank('A1', '').replace(/<(CODE|SEVERITY|TRNUID|CURDEF|BANKID|ACCTID|ACCTTYPE|DTSTART|DTEND|BALAMT|DTASOF)>([^<]*)/g, '<$1>$2</$1>')}${bank('A2', '').replace(/<(CODE|SEVERITY|TRNUID|CURDEF|BANKID|ACCTID|ACCTTYPE|DTSTART|DTEND|BALAMT|DTASOF)>([^<]*)/g, '<$1>$2</$1>')}</BANKMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><CCSTMTRS><CURDEF>EUR</CURDEF><CCACCTFROM><ACCTID>4111</ACCTID></CCACCTFROM>
<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240102</DTPOSTED><TRNAMT>-1,50</TRNAMT><FITID>X</FITID><CURRENCY><CURRATE>1.1</CURRATE><CURSYM>USD</CURSYM></CURRENCY></STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>-1.50</BALAMT><DTASOF>20240102</DTASOF></LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>`;
    const { statements } = parseOfx(xml, ctx);
    expect(statements.map((s) => [s.accountId, s.currency, s.entries.length, s.closingBalance?.amount])).toEqual([
      ['A1', 'USD', 0, '90.00'],
      ['A2', 'USD', 0, '90.00'],
      ['4111', 'EUR', 1, '-1.50'],
    ]);
    expect(statements[2]?.entries[0]).toMatchObject({ amount: '-1.50', currency: 'USD' });
  });

  it('reads Windows-1252 bytes when the file is not UTF-8, and UTF-8 when it is despite CHARSET:1252', () => {
    const latin = parseOfx(Buffer.from(sgml.replace('card 1234', 'caf\u00e9'), 'latin1'), ctx);
    expect(latin.statements[0]?.entries[0]?.remittance).toBe('café');
    const utf8 = parseOfx(Buffer.from(sgml.replace('card 1234', 'CRÉDITO'), 'utf8'), ctx);
    expect(utf8.statements[0]?.entries[0]?.remittance).toBe('CRÉDITO');
  });

  it('keeps going with a warning when the ledger balance or the currency is empty', () => {
    const parsed = parseOfx(sgml.replace('<CURDEF>USD', '<CURDEF>').replace('<BALAMT>90.00', '<BALAMT>'), ctx);
    const [s] = parsed.statements;
    expect(s?.currency).toBe('XXX');
    expect(s?.closingBalance).toBeUndefined();
    expect(s?.warnings.join(' ')).toMatch(/CURDEF\) is empty; recorded as XXX.*LEDGERBAL\) is empty/);
  });

  describe('rejects broken files with the place and what was expected', () => {
    const cases: [string, string, RegExp][] = [
      ['bad amount', sgml.replace('<TRNAMT>-10.00', '<TRNAMT>$120'), /line 11, field STMTTRN\/TRNAMT: "\$120" is not an amount/],
      ['bad date', sgml.replace('<DTPOSTED>20240105120000.000[-5:EST]', '<DTPOSTED>201120000000'), /field DTPOSTED: "201120000000" is not a date; expected YYYYMMDD/],
      ['no date', sgml.replace('<DTPOSTED>20240105120000.000[-5:EST]', ''), /field STMTTRN\/DTPOSTED: the transaction has no posting date/],
      ['no account', sgml.replace('<ACCTID>111', '<ACCTID>'), /BANKACCTFROM\/ACCTID: the statement does not say which account/],
      ['cut off', sgml.slice(0, sgml.indexOf('<LEDGERBAL>')), /ends while <STMTRS> \(line 11\) is still open; it looks cut off/],
      ['unclosed transaction', sgml.replace('</STMTTRN>', ''), /<\/BANKTRANLIST> comes while <STMTTRN> \(line 11\) is still open/],
      ['no body', header, /there is no <OFX> element/],
      ['no statement', `${header}<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>`, /holds no bank or credit card statement/],
    ];
    for (const [name, text, message] of cases) {
      it(name, () => {
        let error: unknown;
        try {
          parseOfx(text, ctx);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(FormatError);
        expect((error as Error).message).toMatch(message);
        expect((error as FormatError).line).toBeGreaterThan(0);
      });
    }
  });
});
