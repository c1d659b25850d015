import { TextDecoder } from 'node:util';
import { FormatError } from './format-error.ts';

export interface DecodedText {
  text: string;
  /** WHATWG name of the encoding used, e.g. `utf-8`, `windows-1252`. */
  encoding: string;
  /** Set when the encoding was a guess the reader should know about. */
  warning?: string;
}

export interface DecodeOptions {
  file: string;
  /** A configured encoding label (`windows-1257`, `iso-8859-2`, `latin1`…) or `auto` (default). */
  encoding?: string;
  /** Used when `auto` finds no BOM and the bytes are not valid UTF-8. Default `windows-1252`. */
  fallback?: string;
}

/**
 * Bytes → text by the rule every bank format here shares: a BOM wins (UTF-8, UTF-16 LE/BE), then
 * strict UTF-8, then a single-byte code page (Windows-1252 unless configured). Single-byte
 * decoding never fails, so a file in an unexpected code page still parses and only its accents
 * look wrong; the warning says how to fix that.
 */
export function decodeText(bytes: Uint8Array, options: DecodeOptions): DecodedText {
  const bom = detectBom(bytes);
  const configured = options.encoding === undefined || options.encoding === 'auto' ? undefined : options.encoding;
  if (configured !== undefined) {
    const decoder = makeDecoder(configured, options.file);
    const skip = bom !== undefined && bom.encoding === decoder.encoding ? bom.length : 0;
    return { text: decoder.decode(bytes.subarray(skip)), encoding: decoder.encoding };
  }
  if (bom !== undefined) {
    return { text: new TextDecoder(bom.encoding).decode(bytes.subarray(bom.length)), encoding: bom.encoding };
  }
  const utf16 = sniffUtf16(bytes);
  if (utf16 !== undefined) {
    return {
      text: new TextDecoder(utf16).decode(bytes),
      encoding: utf16,
      warning: `The file has no byte order mark but looks like ${utf16.toUpperCase()}; it was read as such.`,
    };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    const decoder = makeDecoder(options.fallback ?? 'windows-1252', options.file);
    return {
      text: decoder.decode(bytes),
      encoding: decoder.encoding,
      warning:
        `The file is not valid UTF-8; it was read as ${decoder.encoding}. ` +
        'If accented letters look wrong, configure the encoding the bank uses (e.g. windows-1250, iso-8859-2, windows-1257).',
    };
  }
}

export function detectBom(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return undefined;
}

/** ASCII text in UTF-16 without a BOM has a zero in every other byte. */
function sniffUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 512) & ~1;
  if (n < 8) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros += 1;
    if (bytes[i + 1] === 0) oddZeros += 1;
  }
  const pairs = n / 2;
  if (oddZeros > pairs * 0.7 && evenZeros < pairs * 0.1) return 'utf-16le';
  if (evenZeros > pairs * 0.7 && oddZeros < pairs * 0.1) return 'utf-16be';
  return undefined;
}

export function makeDecoder(label: string, file: string, fatal = false): TextDecoder {
  try {
    return new TextDecoder(label, { fatal });
  } catch (cause) {
    throw new FormatError({ file, offset: 0 }, `the configured encoding "${label}" is not one this agent knows`, {
      expected: 'a WHATWG encoding label such as utf-8, windows-1252, windows-1257, iso-8859-2 or latin1',
      hint: 'Fix the encoding in the file profile.',
      cause,
    });
  }
}
