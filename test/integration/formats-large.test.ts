/**
 * Large files: a generated 20 MB CAMT.053 and a 20 MB CSV are read as a stream within a few seconds,
 * add up exactly, and memory grows with the entries kept, not with the file read.
 * (The 100 MB figures with a raw baseline belong to bench/files.)
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFile } from '../../agents/formats/index.ts';

const TARGET_BYTES = 20 * 1024 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), 'formats-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How many lines fill the file to the target size. */
function linesFor(line: (n: number) => string, overhead: number): number {
  let count = 0;
  for (let size = overhead; size < TARGET_BYTES; count += 1) size += line(count).length;
  return count;
}

async function writeFile(file: string, head: string, line: (n: number) => string, count: number, tail: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(head);
  let batch = '';
  for (let n = 0; n < count; n += 1) {
    batch += line(n);
    if (batch.length > 64 * 1024) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch + tail);
  out.end();
  await once(out, 'finish');
}

/** Entries alternate credit and debit of 1.00 to 1.99; the expected closing balance follows in cents. */
function closingCents(opening: bigint, count: number): bigint {
  let cents = opening;
  for (let n = 0; n < count; n += 1) cents += (n % 2 === 0 ? 1n : -1n) * BigInt(100 + (n % 100));
  return cents;
}

function asDecimal(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

function camtEntry(n: number): string {
  return (
    `<Ntry><Amt Ccy="EUR">1.${String(n % 100).padStart(2, '0')}</Amt><CdtDbtInd>${n % 2 === 0 ? 'CRDT' : 'DBIT'}</CdtDbtInd>` +
    `<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2024-03-15</Dt></BookgDt><ValDt><Dt>2024-03-15</Dt></ValDt><AcctSvcrRef>REF${n}</AcctSvcrRef>` +
    `<NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>Customer ${n}</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>Invoice ${n} &amp; thanks</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n`
  );
}

describe('large files', () => {
  it('a 20 MB CAMT.053 is streamed, adds up, and is read within a few seconds', async () => {
    const file = path.join(dir, 'large.camt053.xml');
    // Count first: the closing balance sits before the entries.
    const written = linesFor(camtEntry, 1200);
    const closing = asDecimal(closingCents(100000n, written));
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>' +
      '<GrpHdr><MsgId>LARGE</MsgId><CreDtTm>2024-03-31T18:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id><ElctrncSeqNb>7</ElctrncSeqNb>' +
      '<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>' +
      '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-03-01</Dt></Dt></Bal>' +
      `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${closing.replace('-', '')}</Amt><CdtDbtInd>${closing.startsWith('-') ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>2024-03-31</Dt></Dt></Bal>\n`;
    await writeFile(file, head, camtEntry, written, '</Stmt></BkToCstmrStmt></Document>\n');

    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const report = await parseFile(file);
    const seconds = (performance.now() - started) / 1000;
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    console.info(`CAMT ${(report.bytes / 1e6).toFixed(1)} MB, ${written} entries: ${seconds.toFixed(2)} s, RSS +${rssGrowthMb.toFixed(0)} MB`);

    expect(report.error).toBeUndefined();
    expect(report.statements[0]?.entries).toHaveLength(written);
    expect(report.statements[0]?.entries[written - 1]?.remittance).toBe(`Invoice ${written - 1} & thanks`);
    const balance = report.checks[0];
    expect(balance?.status, balance?.message).toBe('passed');
    expect(report.statements[0]?.closingBalance?.amount).toBe(closing);
    expect(seconds).toBeLessThan(15);
    // Entries are kept (about 1 KB each with their strings); the 20 MB of text must not be held twice over.
    expect(rssGrowthMb).toBeLessThan(600);
  });

  it('a 20 MB CSV is streamed, every row read exactly, within a few seconds', async () => {
    const file = path.join(dir, 'large.csv');
    const line = (n: number) =>
      `2024-03-${String(1 + (n % 28)).padStart(2, '0')};"Rechnung ${n}; Danke";${n % 2 === 0 ? '' : '-'}1.${String(n % 1000).padStart(3, '0')},${String(n % 100).padStart(2, '0')};EUR;DE89370400440532013000;R${n}\n`;
    const head = 'Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n';
    const written = linesFor(line, head.length);
    await writeFile(file, head, line, written, '');

    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const report = await parseFile(file);
    const seconds = (performance.now() - started) / 1000;
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    console.info(`CSV ${(report.bytes / 1e6).toFixed(1)} MB, ${written} rows: ${seconds.toFixed(2)} s, RSS +${rssGrowthMb.toFixed(0)} MB`);

    expect(report.error).toBeUndefined();
    const entries = report.statements[0]?.entries ?? [];
    expect(entries).toHaveLength(written);
    expect(entries[1]).toMatchObject({ amount: '-1001.01', remittance: 'Rechnung 1; Danke', entryKey: 'ref:DE89370400440532013000:R1' });
    expect(entries[written - 1]?.bankReference).toBe(`R${written - 1}`);
    expect(seconds).toBeLessThan(15);
    expect(rssGrowthMb).toBeLessThan(600);
  });
});
