/**
 * Bank files as banks really write them (issue 10 item 1), written here in the shapes seen in other
 * projects' suites: SWIFT framing around MT940/MT942 messages, OFX with an unreadable balance, BAI2
 * trailers that miscount records while every amount agrees.
 */
import { describe, expect, it } from 'vitest';
import { FormatError, parseBai2, parseMt940, parseOfx, parseStatementBytes, runChecks } from '../../agents/formats/index.ts';

const message = (ref: string, opening: string, closing: string) =>
  [`:20:${ref}`, ':25:BANKDEFF/DE89370400440532013000', ':28C:12/1', `:60F:C240101EUR${opening}`, ':61:2401020102D1,50NTRFNONREF//B1', ':86:166?20Strom ', '?21Januar', `:62F:C240102EUR${closing}`];

describe('MT940/MT942 framing is ignored, content never', () => {
  it('reads blocks, SOH/ETX, -} with trailer blocks, several messages, blank lines and trailing spaces', async () => {
    const text = [
      '\u0001{1:F01BANKDEFFAXXX0000000000}{2:O9401200240102BANKDEFFAXXX00000000002401021200N}{3:{108:MUR123}}{4:',
      ...message('M1', '10,00', '8,50').map((l) => `${l}   `),
      '-}{5:{CHK:ABCDEF123456}}\u0003',
      '',
      '\u0001{1:F01BANKDEFFAXXX0000000000}{2:O940}{4:',
      ...message('M2', '8,50', '7,00'),
      '-}\u0003',
      '\u001a',
    ].join('\r\n');
    const parsed = await parseStatementBytes(Buffer.from(text, 'latin1'), 'framed.sta');
    expect(parsed.format).toBe('mt940');
    expect(parsed.statements.map((s) => [s.accountId, s.openingBalance?.amount, s.closingBalance?.amount, s.entries.length])).toEqual([
      ['BANKDEFF/DE89370400440532013000', '10.00', '8.50', 1],
      ['BANKDEFF/DE89370400440532013000', '8.50', '7.00', 1],
    ]);
    // A space at the end of a wrapped :86: line is content: "Strom " + "Januar".
    expect(parsed.statements[0]?.entries[0]?.remittance).toBe('Strom Januar');
    expect(runChecks(parsed).every((c) => c.status === 'passed')).toBe(true);
  });

  it('reads MT942 floor limits (one per side), the date-time without offset, and counts with a decimal point', () => {
    const text = [':20:INTRA', ':25:ACC-9', ':28C:5/1', ':34F:EURD0,', ':34F:EURC100,', ':13D:2410301730', ':61:241030D0,42NMSCNONREF', ':90D:1EUR0.42', ':90C:0EUR0,', ''].join('\n');
    const parsed = parseMt940(text, { file: 'intra.sta' });
    expect(parsed.format).toBe('mt942');
    expect(parsed.statements[0]).toMatchObject({ currency: 'EUR', periodEnd: '2024-10-30' });
    expect(runChecks(parsed).map((c) => c.status)).toEqual(['skipped', 'passed', 'passed']);
  });

  it('a field that runs on past any real one is refused with its line and tag', () => {
    const text = [...message('M1', '10,00', '8,50').slice(0, 6), 'x'.repeat(300 * 1024)].join('\n');
    expect(() => parseMt940(text, { file: 'long.sta' })).toThrow(/long\.sta, line 6, field :86:: the field runs on for more than 256 KB/);
  });
});

const ofx = (balance: string) =>
  `OFXHEADER:100\nDATA:OFXSGML\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>BRL<BANKACCTFROM><ACCTID>12345-6</BANKACCTFROM><BANKTRANLIST><DTSTART>2024013X<DTEND>20240131
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240105<TRNAMT>-12.50<FITID>1<MEMO>Padaria</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>${balance}<DTASOF>20240131</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n`;

describe('OFX: a non-essential field that cannot be read is a warning', () => {
  it('keeps the transactions, names the unreadable balance and skips the balance check', () => {
    for (const balance of ['R$ 1.234,56', '1.234,56', '$1,234.56']) {
      const parsed = parseOfx(ofx(balance), { file: 'extrato.ofx' });
      expect(parsed.statements[0]?.entries.map((e) => e.amount)).toEqual(['-12.50']);
      expect(parsed.statements[0]?.closingBalance).toBeUndefined();
      const warnings = parsed.statements[0]?.warnings.join('\n') ?? '';
      expect(warnings).toContain(`extrato.ofx, line 7, field LEDGERBAL/BALAMT: the ledger balance "${balance}" is not a number the agent can read exactly`);
      expect(warnings).toMatch(/extrato\.ofx, line 5, field DTSTART: the period start "2024013X" is not a date/);
      expect(runChecks(parsed)[0]?.status).toBe('skipped');
    }
  });

  it('still refuses a transaction whose amount cannot be read', () => {
    expect(() => parseOfx(ofx('1.00').replace('-12.50', '-12,50 R$'), { file: 'extrato.ofx' })).toThrow(FormatError);
  });
});

describe('BAI2: record counts that disagree while every amount agrees', () => {
  const file = [
    '01,SENDER,RECEIVER,240301,0600,1,,,2/',
    '02,RECEIVER,BANK,1,240229,2400,USD,2/',
    '03,123456789,USD,010,10000,,,015,12500,,/',
    '16,195,2500,Z,WIRE-1,,INCOMING WIRE/',
    '88,MORE TEXT/',
    '49,25000,3/',
    '98,25000,1,5/',
    '99,25000,1,7/',
  ].join('\n');

  it('is a warning naming the trailer, not a rejection', () => {
    const parsed = parseBai2(file, { file: 'prior-day.bai' });
    expect(runChecks(parsed).every((c) => c.status !== 'failed')).toBe(true);
    expect(parsed.warnings.join('\n')).toMatch(/prior-day\.bai: the account trailer \(49, line 6\) for account 123456789 states 3 records but 4 were found; every amount total agrees/);
  });

  it('an amount total that disagrees still rejects, and then the counts are checked too', () => {
    const parsed = parseBai2(file.replace('49,25000,3/', '49,25001,3/'), { file: 'prior-day.bai' });
    const failed = runChecks(parsed).filter((c) => c.status === 'failed');
    expect(failed[0]?.message).toMatch(/Total 250\.01 USD stated, the records add up to 250\.00 USD: difference 0\.01 USD; 3 stated, 4 found\./);
  });
});

describe('CAMT: control characters inside text', () => {
  it('are removed, and each place is named with its line and element', async () => {
    const { parseCamt } = await import('../../agents/formats/index.ts');
    const xml = `<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>
<Stmt><Id>S</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt>
<NtryDtls><TxDtls><RmtInf><Ustrd>Inv\u0000oice&#0; 7&#x8;</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>\n`;
    const parsed = parseCamt(Buffer.from(xml), { file: 'ctl.xml' });
    expect(parsed.statements[0]?.entries[0]?.remittance).toBe('Invoice 7');
    expect(parsed.warnings).toContain('ctl.xml, line 5, field Ustrd: 3 control characters (U+0000, U+0008) removed from the text; XML does not allow them.');
  });
});
