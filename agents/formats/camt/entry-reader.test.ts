import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BANK_SAMPLES_DIR } from '../../../test/helpers/bank-samples.ts';
import { corpusPath, hasExternalCorpus } from '../../../test/helpers/external-corpus.ts';
import { HOSTILE_FILES } from '../../../test/helpers/hostile-files.ts';
import { camtChunks } from '../../transforms/statements/statement-samples.ts';
import { parseDecimal } from '../decimal.ts';
import { checkedAmount, mapEntry } from './camt-map.ts';
import { CamtScanner } from './camt-scanner.ts';
import { mapEntryFields } from './entry-fields-map.ts';
import { CamtEntryReader } from './entry-reader.ts';
import { stripControlCharacters } from './xml-controls.ts';
import { parseXmlPiece } from './xml-node.ts';

const where = { file: 'f.xml', line: 7 };

/** The old way (tree, then mapEntry) and the new one, each as JSON of the result or the error's message. */
function bothWays(piece: string, reader = new CamtEntryReader()): { old: string; now: string; fast: boolean } {
  const outcome = (f: () => unknown) => {
    try {
      return JSON.stringify(f());
    } catch (error) {
      return `error: ${(error as Error).message}`;
    }
  };
  const old = outcome(() => mapEntry(parseXmlPiece(piece, where.file, where.line, 'Ntry'), where));
  const fast = reader.read(piece);
  const now = fast ? outcome(() => mapEntryFields(reader, where)) : old;
  return { old, now, fast };
}

/** Every Ntry piece of a document, as the stream parser sees them (control characters removed). */
function entryPieces(text: string): string[] {
  const scanner = new CamtScanner('f.xml');
  const pieces: string[] = [];
  const take = (chunks: ReturnType<CamtScanner['push']>) => {
    for (const c of chunks) if (c.kind === 'entry') pieces.push(stripControlCharacters(c.xml, c.line).xml);
  };
  try {
    take(scanner.push(text));
    take(scanner.end());
  } catch {
    // A document the scanner refuses still gave the pieces before the fault.
  }
  return pieces;
}

function expectSame(pieces: string[]): { fast: number } {
  const reader = new CamtEntryReader();
  let fast = 0;
  for (const piece of pieces) {
    const result = bothWays(piece, reader);
    expect(result.now, piece.slice(0, 300)).toBe(result.old);
    if (result.fast) fast += 1;
  }
  return { fast };
}

const ntry = (inner: string, open = '<Ntry>', close = '</Ntry>') =>
  `${open}<Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2024-03-01</Dt></BookgDt>${inner}${close}`;

/** Entries written the ways banks write them: each is read the new way and must map exactly as before. */
const VARIANTS = [
  ntry(''),
  ntry('<ValDt><DtTm>2024-03-02T10:00:00+01:00</DtTm></ValDt><AcctSvcrRef> R-1 </AcctSvcrRef>'),
  ntry('<AddtlNtryInf>Fee &amp; charges</AddtlNtryInf>'),
  ntry('<NtryDtls><TxDtls><Refs><AcctSvcrRef>TX-9</AcctSvcrRef></Refs><RltdPties><Cdtr><Pty><Nm>Shop &lt;1&gt;</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>12345</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls>'),
  ntry('<NtryDtls><TxDtls><RltdPties><UltmtCdtr><Nm>Ultimate</Nm></UltmtCdtr><Dbtr><Nm>Not this side</Nm></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Ref>RF18</Ref></CdtrRefInf><AddtlRmtInf>a</AddtlRmtInf><AddtlRmtInf></AddtlRmtInf><AddtlRmtInf>b</AddtlRmtInf></Strd></RmtInf></TxDtls></NtryDtls>'),
  ntry('<NtryDtls><TxDtls><RmtInf><Ustrd>one</Ustrd><Ustrd/><Ustrd> two </Ustrd></RmtInf><AddtlTxInf>extra</AddtlTxInf></TxDtls></NtryDtls><AddtlNtryInf>entry</AddtlNtryInf>'),
  ntry('<NtryDtls><TxDtls><AddtlTxInf>only this</AddtlTxInf></TxDtls></NtryDtls>'),
  ntry('<NtryDtls><TxDtls/></NtryDtls><AddtlNtryInf>x</AddtlNtryInf>'),
  ntry('<NtryDtls/>'),
  ntry('<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd></Fmly></Domn></BkTxCd><Chrgs><Rcrd><Amt Ccy="EUR">1.00</Amt></Rcrd></Chrgs>'),
  // Status as an element (camt.053.001.08 and later), pending, and unknown.
  ntry('').replace('<Sts>BOOK</Sts>', '<Sts><Cd>BOOK</Cd></Sts>'),
  ntry('').replace('<Sts>BOOK</Sts>', '<Sts>\n  <Prtry>PDNG</Prtry>\n</Sts>'),
  ntry('').replace('<Sts>BOOK</Sts>', '<Sts/>'),
  // Credit side, zero, odd amounts, missing and bad fields: the same errors, in the same order.
  ntry('<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Payer</Nm></Dbtr><DbtrAcct><Id><IBAN>DE02</IBAN></Id></DbtrAcct></RltdPties></TxDtls></NtryDtls>').replace('DBIT', 'CRDT'),
  ntry('').replace('12.50', '0.00'),
  ntry('').replace('12.50', '007.5'),
  ntry('').replace('12.50', '-1'),
  ntry('').replace('12.50', '+1'),
  ntry('').replace('12.50', '1,5'),
  ntry('').replace(' Ccy="EUR"', ''),
  ntry('').replace('Ccy="EUR"', 'Ccy=" eur "'),
  ntry('').replace('Ccy="EUR"', 'Ccy="EURO"'),
  ntry('').replace('DBIT', 'DEBIT'),
  ntry('').replace('<CdtDbtInd>DBIT</CdtDbtInd>', ''),
  ntry('').replace('<BookgDt><Dt>2024-03-01</Dt></BookgDt>', ''),
  ntry('<ValDt><Dt>2024-03-09</Dt></ValDt>').replace('<BookgDt><Dt>2024-03-01</Dt></BookgDt>', ''),
  ntry('').replace('2024-03-01', '01.03.2024'),
  ntry('').replace('2024-03-01', '2024-02-30'),
  ntry('<ValDt>2024-03-05</ValDt>'),
  ntry('<Amt Ccy="EUR">1.00</Amt>'),
  // Namespace prefixes, attributes, blanks inside tags.
  ntry('<ns2:AcctSvcrRef>P</ns2:AcctSvcrRef>', '<ns2:Ntry xmlns:ns2="urn:x">', '</ns2:Ntry>').replace(/<(\/?)(?=[A-Z])/g, '<$1ns2:'),
  ntry('<AcctSvcrRef >R </AcctSvcrRef >').replace('<Amt Ccy="EUR">', "<Amt  Ccy = 'EUR' x:y=\"1\" >"),
  ntry('').replace('<Amt Ccy="EUR">', '<Amt Ccy="EUR" Ccy="USD">'),
  ntry('').replace('<Amt Ccy="EUR">', '<Amt Ccy="E&amp;R">'),
  // Batch bookings, repeated elements, comments, CDATA, numeric references: the old way.
  ntry('<NtryDtls><TxDtls><Amt Ccy="EUR">10.00</Amt></TxDtls><TxDtls><Amt Ccy="EUR">2.50</Amt></TxDtls></NtryDtls>'),
  ntry('<AcctSvcrRef>A</AcctSvcrRef><AcctSvcrRef>B</AcctSvcrRef>'),
  ntry('<!-- note --><AcctSvcrRef>A</AcctSvcrRef>'),
  ntry('<AddtlNtryInf><![CDATA[a < b]]></AddtlNtryInf>'),
  ntry('<AddtlNtryInf>caf&#233;</AddtlNtryInf>'),
  ntry('<AddtlNtryInf>a &nbsp; b</AddtlNtryInf>'),
  // Broken XML: never read the new way, refused the old way.
  ntry('<AcctSvcrRef>A</AcctSvcrRf>'),
  ntry('<AcctSvcrRef>A'),
  ntry('<AcctSvcrRef>A</AcctSvcrRef></Extra>'),
  ntry('<AcctSvcrRef>a & b</AcctSvcrRef>'),
  ntry('<AcctSvcrRef>a < b</AcctSvcrRef>'),
  ntry('<Acct:>x</Acct:>'),
  ntry('') + '<Ntry/>',
  '<Ntry/>',
  '<Ntry></Ntry>',
  '<Ntry Id="1"></Ntry>',
];

describe('CamtEntryReader and mapEntryFields', () => {
  it('map every variant exactly as the tree and mapEntry do, and read most of them without the tree', () => {
    const { fast } = expectSame(VARIANTS);
    expect(fast).toBeGreaterThan(VARIANTS.length / 2);
  });

  it('never read broken XML the new way', () => {
    const reader = new CamtEntryReader();
    for (const broken of VARIANTS.slice(-10, -3)) expect(reader.read(broken), broken).toBe(false);
    expect(reader.read(ntry('<!DOCTYPE x [<!ENTITY e "boom">]><AcctSvcrRef>&e;</AcctSvcrRef>'))).toBe(false);
  });

  it('agree on every entry of the generated statements (bench/files/generate.ts) and read all of them the new way', () => {
    const text = [...camtChunks({ iban: 'DE89370400440532013000', sequence: 1, opening: '1000.00', from: 0, to: 3000 })].join('');
    const pieces = entryPieces(text);
    expect(pieces.length).toBe(3000);
    expect(expectSame(pieces).fast).toBe(3000);
  });

  it('agree on every entry of the project CAMT samples and the hostile CAMT files', () => {
    const files = readdirSync(BANK_SAMPLES_DIR).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(0);
    let pieces = 0;
    for (const file of files) {
      const found = entryPieces(readFileSync(path.join(BANK_SAMPLES_DIR, file), 'utf8'));
      pieces += found.length;
      expectSame(found);
    }
    for (const hostile of HOSTILE_FILES.filter((h) => h.file.endsWith('.xml'))) expectSame(entryPieces(hostile.make(20_000).toString('utf8')));
    expect(pieces).toBeGreaterThan(0);
  });

  it.skipIf(!hasExternalCorpus())('agree on every entry of every CAMT file in the external corpus', () => {
    const dir = corpusPath('bank', 'camt');
    const files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBeGreaterThan(0);
    let pieces = 0;
    for (const file of files) {
      const found = entryPieces(readFileSync(path.join(dir, file), 'utf8'));
      pieces += found.length;
      expectSame(found);
    }
    expect(pieces).toBeGreaterThan(0);
  });

  it('take an amount that is already canonical as it is, exactly as parseDecimal reads it (property)', () => {
    const amount = fc.tuple(fc.oneof(fc.constant('0'), fc.bigInt({ min: 1n, max: 10n ** 30n - 1n }).map(String)), fc.option(fc.stringMatching(/^\d{1,30}$/)));
    fc.assert(
      fc.property(amount, ([int, frac]) => {
        const value = frac === null ? int : `${int}.${frac}`;
        expect(checkedAmount(value, 'EUR', { ...where, field: 'Amt' }).amount).toBe(parseDecimal(value));
      }),
      { seed: 56, numRuns: 2000 },
    );
  });

  it('agree on damaged entries, and never accept one the old way refuses (property)', () => {
    const base = VARIANTS[4] ?? '';
    const mutation = fc.tuple(fc.nat(base.length), fc.nat(4), fc.string({ unit: fc.constantFrom('<', '>', '/', '"', '=', ' ', 'A', ':', '&', ';', 'amp', '#', 'Nm', 'Ntry', '!', '?'), maxLength: 3 }));
    fc.assert(
      fc.property(mutation, ([at, cut, insert]) => {
        const piece = base.slice(0, at) + insert + base.slice(at + cut);
        const result = bothWays(piece);
        expect(result.now).toBe(result.old);
        if (result.fast) expect(() => parseXmlPiece(piece, 'f', 1, 'x')).not.toThrow();
      }),
      { seed: 55, numRuns: 3000 },
    );
  });
});
