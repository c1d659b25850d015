import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect.ts';

const kind = (text: string | Uint8Array) => detectFormat(typeof text === 'string' ? new TextEncoder().encode(text) : text)?.kind;

describe('format detection by content', () => {
  it('tells the formats apart without a file name', () => {
    expect(kind('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">')).toBe('camt');
    expect(kind('<Document><ns:BkToCstmrDbtCdtNtfctn>')).toBe('camt');
    expect(kind('OFXHEADER:100\nDATA:OFXSGML\n<OFX>')).toBe('ofx');
    expect(kind('\n\n<OFX>\n<SIGNONMSGSRSV1>')).toBe('ofx');
    expect(kind('<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?>\n<OFX>')).toBe('ofx');
    expect(kind('{1:F01INGBNL2AXXXX00001}\n{2:I940INGBNL2AXXXN}\n{4:\n:20:X')).toBe('mt940');
    expect(kind('ABNANL2A\n940\nABNANL2A\n:20:ABN\n:25:517852257\n')).toBe('mt940');
    expect(kind(':940:\n:20:940A\n:25:1017.490.554EUR\n')).toBe('mt940');
    expect(kind('01,SENDER,RECEIVER,240301,0600,1,,,2/\n02,')).toBe('bai2');
    expect(kind('00,0004,1/2/345,06/0321,0829,001,80,1,2/')).toBe('bai2');
    expect(kind('Datum;Betrag\n01.01.2024;1,00\n')).toBe('csv');
    expect(kind(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]))).toBe('zip');
  });

  it('reads UTF-16 text by its BOM and refuses binary and empty content', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Datum;Betrag\n01.01.2024;1,00\n', 'utf16le')]);
    expect(kind(utf16)).toBe('csv');
    expect(kind(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]))).toBeUndefined();
    expect(kind('   \n')).toBeUndefined();
  });
});
