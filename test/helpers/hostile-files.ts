/**
 * Files written to stall or exhaust a parser (issue 10): deep nesting, huge cells and values,
 * compression bombs, quadratic bait for backtracking regexes. Each is a function of a size so the
 * tests can check the time a parser takes grows with the input, not with its square.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface HostileFile {
  name: string;
  /** The file name it is dropped as (the extension is not what the agent goes by). */
  file: string;
  /** What a reader must say about it (matched against the error or the quarantine reason). */
  refusal: RegExp;
  make(size: number): Buffer;
}

const CAMT_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>' +
  '<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n';
const CAMT_TAIL = '\n</Stmt></BkToCstmrStmt></Document>\n';
const ENTRY_HEAD = '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt>';

function repeat(unit: string, size: number): string {
  return unit.repeat(Math.max(1, Math.floor(size / unit.length)));
}

export const HOSTILE_FILES: HostileFile[] = [
  {
    name: 'OFX: nested tags, then all the closing tags',
    file: 'nested.ofx',
    refusal: /nested more than 200 deep/,
    make: (size) => {
      const n = Math.floor(size / 7);
      return Buffer.from(`OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>${'<A>'.repeat(n)}${'</A>'.repeat(n)}</OFX>\n`);
    },
  },
  {
    name: 'OFX: one value of many megabytes',
    file: 'huge-memo.ofx',
    refusal: /no bank or credit card statement|not|expected/,
    make: (size) => Buffer.from(`OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</STATUS><MEMO>${repeat('x', size)}</SONRS></SIGNONMSGSRSV1></OFX>\n`),
  },
  {
    name: 'CAMT: an entry nested deeper than any real one',
    file: 'nested.xml',
    refusal: /nested more than 100 deep|runs on for more than/,
    make: (size) => {
      const n = Math.floor(size / 7);
      return Buffer.from(`${CAMT_HEAD}${ENTRY_HEAD}${'<a>'.repeat(n)}${'</a>'.repeat(n)}</Ntry>${CAMT_TAIL}`);
    },
  },
  {
    name: 'CAMT: an entry that never closes',
    file: 'unclosed.xml',
    refusal: /runs on for more than|ends too early/,
    make: (size) => Buffer.from(`${CAMT_HEAD}${ENTRY_HEAD}<AddtlNtryInf>${repeat('y', size)}`),
  },
  {
    name: 'CAMT: an undeclared entity',
    file: 'entity.xml',
    refusal: /the entity &e; is not declared/,
    make: (size) => Buffer.from(`${CAMT_HEAD}${ENTRY_HEAD}<AddtlNtryInf>${repeat('z', size)}&e;</AddtlNtryInf></Ntry>${CAMT_TAIL}`),
  },
  {
    name: 'MT940: one field of a million continuation lines',
    file: 'long-86.sta',
    refusal: /the field runs on for more than 256 KB/,
    make: (size) => Buffer.from(`:20:X\n:25:ACC\n:28C:1/1\n:60F:C240101EUR1,00\n:61:240102C1,00NTRFNONREF\n:86:${repeat('?20ab\n', size)}`),
  },
  {
    name: 'MT940: a terminator line padded with spaces (regex backtracking bait)',
    file: 'dash.sta',
    refusal: /not a statement line|the field runs on for more than 256 KB/,
    make: (size) => Buffer.from(`:20:X\n:25:ACC\n:28C:1/1\n:60F:C240101EUR1,00\n:61:-${' '.repeat(size)}x\n`),
  },
  {
    name: 'BAI2: a record of spaces (regex backtracking bait)',
    file: 'spaces.bai',
    refusal: /99 file trailer|not a|expected/,
    make: (size) => Buffer.from(`01,${' '.repeat(size)}x\n`),
  },
  {
    name: 'BAI2: a record wrapped over a million lines',
    file: 'wrapped.bai',
    refusal: /the record runs on for more than 256 KB/,
    make: (size) => Buffer.from(`01,a,b/\n${repeat('x\n', size)}`),
  },
  {
    name: 'CSV: an unquoted cell of many megabytes',
    file: 'huge-cell.csv',
    refusal: /a cell runs on for more than a megabyte/,
    make: (size) => Buffer.from(`Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n2024-02-01;${repeat('1', size + 16)}\n`),
  },
  {
    name: 'CSV: a quoted cell that never closes',
    file: 'open-quote.csv',
    refusal: /quoted cell runs on for more than a megabyte|never closed/,
    make: (size) => Buffer.from(`Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n2024-02-01;"${repeat('2', size + 16)}\n`),
  },
  {
    name: 'CSV: a row of a million cells',
    file: 'many-cells.csv',
    refusal: /more than 10000 cells/,
    make: (size) => Buffer.from(`Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n${repeat(';', size)}\n`),
  },
  {
    name: 'CSV: stray quotes inside one long cell',
    file: 'quotes.csv',
    refusal: /a cell runs on for more than a megabyte/,
    make: (size) => Buffer.from(`Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n2024-02-01;${repeat('a"', size + 16)}\n`),
  },
  {
    name: 'CSV: NUL bytes',
    file: 'nul.csv',
    refusal: /NUL bytes/,
    make: (size) => Buffer.from(`Buchungstag;Verwendungszweck;Betrag;CCY;IBAN;Ref\n${repeat('2024-02-01;1,00\n', size).replace(/1,00/g, '1\u0000,00')}`),
  },
  {
    name: 'Excel: a workbook of 250 KB that unpacks to 250 MB',
    file: 'bomb.xlsx',
    refusal: /unpacks to .* \(the archive itself is/,
    make: () => bomb('xlsx'),
  },
  {
    name: 'Excel: a workbook whose recorded size lies',
    file: 'liar.xlsx',
    refusal: /cannot be unpacked|not a readable Excel workbook|damaged/,
    make: (size) => zipOf(
      [
        ['[Content_Types].xml', Buffer.from('<Types/>')],
        ['xl/worksheets/sheet1.xml', Buffer.alloc(Math.max(size, 1) * 50, 0x20)],
      ],
      { lieAboutSize: true },
    ),
  },
  {
    name: 'zip: a CAMT file of 250 KB that unpacks to 250 MB',
    file: 'bomb.zip',
    refusal: /unpacks to .* \(the archive itself is/,
    make: () => bomb('zip'),
  },
];

/** A zip archive of deflated files; `lieAboutSize` records 1 KB as every file's unpacked size. */
export function zipOf(files: Array<[string, Buffer]>, options: { lieAboutSize?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const packed = deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name);
    const size = options.lieAboutSize === true ? Math.min(1024, data.length) : data.length;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const bombs = new Map<string, Buffer>();

/** 250 MB of spaces deflated to about 250 KB (the example), built once per kind. */
function bomb(kind: 'xlsx' | 'zip'): Buffer {
  let made = bombs.get(kind);
  if (made === undefined) {
    const inside = Buffer.alloc(250 * 1024 * 1024, 0x20);
    made = kind === 'xlsx' ? zipOf([['[Content_Types].xml', Buffer.from('<Types/>')], ['xl/worksheets/sheet1.xml', inside]]) : zipOf([['statement.xml', inside]]);
    bombs.set(kind, made);
  }
  return made;
}
