import { detectBom } from './text-decode.ts';
import { looksLikeZip } from './zip/read-zip.ts';

/** What a file is, by its content; CAMT and MT940 cover their variants (052/053/054, MT942). */
export type DetectedKind = 'ofx' | 'camt' | 'mt940' | 'bai2' | 'csv' | 'zip';

export interface Detection {
  kind: DetectedKind;
  /** Why, in words, for the CLI and for support. */
  reason: string;
}

export const DETECT_BYTES = 64 * 1024;

/**
 * Recognises a bank file from its first bytes, never from its name (a CAMT download may have no
 * extension at all). Returns undefined for content that is none of the formats (binary, empty).
 */
export function detectFormat(head: Uint8Array): Detection | undefined {
  if (looksLikeZip(head)) return { kind: 'zip', reason: 'it starts with a zip archive signature (PK)' };
  const text = headText(head).replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed === '') return undefined;
  if (/urn:iso:std:iso:20022:tech:xsd:camt\.05[234]|<([\w.-]+:)?BkToCstmr(Stmt|AcctRpt|DbtCdtNtfctn)[\s>]/.test(text)) {
    return { kind: 'camt', reason: 'it is XML with a CAMT (ISO 20022 bank-to-customer) message' };
  }
  if (/^\s*OFXHEADER\s*:/i.test(text) || /<\?OFX\b/i.test(text) || /<OFX>/i.test(text)) {
    return { kind: 'ofx', reason: 'it has an OFX header or <OFX> body' };
  }
  // SWIFT transmissions put SOH/ETX and other control characters around messages.
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const swift = text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+/g, '');
  if (/^\s*(\{1:|\{4:|:940:[ \t]*$)/m.test(swift.trimStart().slice(0, 200)) || (/^:20:/m.test(swift) && /^:(25|28C?|60[FM]|61|34F|13D?):/m.test(swift))) {
    return { kind: 'mt940', reason: 'it has SWIFT MT940/MT942 fields (:20:, :25:, :61:…)' };
  }
  const firstLine = trimmed.split(/\r\n|\r|\n/, 1)[0] ?? '';
  if (/^01,/.test(firstLine) || /^\d{2},.*\/\s*$/.test(firstLine)) {
    return { kind: 'bai2', reason: 'it starts with a BAI2 record (01 file header)' };
  }
  if (isMostlyText(text)) return { kind: 'csv', reason: 'it is delimited text' };
  return undefined;
}

/** Enough of the head as text to look for markers: UTF-16 by BOM, otherwise byte-per-character. */
function headText(head: Uint8Array): string {
  const bom = detectBom(head);
  if (bom !== undefined && bom.encoding !== 'utf-8') return new TextDecoder(bom.encoding).decode(head.subarray(bom.length));
  try {
    // stream: a multi-byte character cut at the end of the head is not an error.
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    return new TextDecoder('latin1').decode(head);
  }
}

function isMostlyText(text: string): boolean {
  const sample = text.slice(0, 4096);
  let control = 0;
  for (let i = 0; i < sample.length; i += 1) {
    const c = sample.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control += 1;
  }
  return control <= sample.length * 0.01;
}
