import { crc32, inflateRawSync } from 'node:zlib';
import { FormatError } from '../format-error.ts';
import { writeZip } from './write-zip.ts';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  maxEntries: number;
  /** Per entry and in total: a small archive that inflates to gigabytes is refused, not unpacked. */
  maxEntryBytes: number;
  maxTotalBytes: number;
}

const DEFAULT_LIMITS: ZipLimits = { maxEntries: 1000, maxEntryBytes: 256 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024 };
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** A file in the archive as its directory describes it, before anything is unpacked. */
export interface ZipListing {
  name: string;
  /** Unpacked size as recorded (checked again while unpacking: a lying size fails there). */
  size: number;
  compressedSize: number;
  method: number;
  crc: number;
  dataStart: number;
}

/**
 * The unpack budget for an archive of `archiveBytes`: at most 100 times its own size and never more
 * than 512 MiB, so a 256 KB workbook that claims to unpack to 250 MB is refused before any of it is
 * inflated (issue 10).
 */
export function zipLimitsFor(archiveBytes: number): ZipLimits {
  const cap = Math.min(100 * archiveBytes, DEFAULT_LIMITS.maxTotalBytes);
  return { maxEntries: DEFAULT_LIMITS.maxEntries, maxEntryBytes: Math.min(cap, DEFAULT_LIMITS.maxEntryBytes), maxTotalBytes: cap };
}

/**
 * Reads a zip archive's central directory, checking every offset and every recorded size against
 * the limits, without unpacking anything.
 */
export function listZip(bytes: Uint8Array, file: string, limits: ZipLimits = zipLimitsFor(bytes.length)): ZipListing[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, problem: string, expected: string) => new FormatError({ file, offset }, problem, { expected });
  const u16 = (at: number) => {
    if (at + 2 > bytes.length) throw fail(at, 'the archive ends in the middle of a record', 'a complete zip archive');
    return view.getUint16(at, true);
  };
  const u32 = (at: number) => {
    if (at + 4 > bytes.length) throw fail(at, 'the archive ends in the middle of a record', 'a complete zip archive');
    return view.getUint32(at, true);
  };

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65_535); at -= 1) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw fail(bytes.length, 'the zip archive has no central directory (it looks cut off)', 'the end-of-archive record');
  const count = u16(eocd + 10);
  const directorySize = u32(eocd + 12);
  const directoryOffset = u32(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw fail(eocd, 'ZIP64 archives are not supported', 'a plain zip archive');
  if (count > limits.maxEntries) throw fail(eocd, `the archive holds ${count} files`, `at most ${limits.maxEntries}`);
  if (directoryOffset + directorySize > eocd) throw fail(eocd, 'the central directory lies outside the archive', 'a consistent zip archive');

  const listing: ZipListing[] = [];
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i += 1) {
    if (u32(at) !== CENTRAL) throw fail(at, 'a central directory record is damaged', 'the signature PK\\x01\\x02');
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const localOffset = u32(at + 42);
    if (at + 46 + nameLength > bytes.length) throw fail(at, 'a file name runs past the end of the archive', 'a complete zip archive');
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw fail(localOffset, `"${name}" is encrypted`, 'an archive without a password');
    if (size > limits.maxEntryBytes || total + size > limits.maxTotalBytes) {
      throw new FormatError({ file, offset: localOffset }, `"${name}" unpacks to ${mib(total + size)} (the archive itself is ${mib(bytes.length)})`, {
        expected: `at most ${mib(limits.maxTotalBytes)} unpacked in all (100 times the archive, never more than 512 MiB)`,
        hint: 'This looks like a compression bomb or a damaged archive. If it is a real export, ask the bank for CSV or several smaller files.',
      });
    }
    if (method !== 0 && method !== 8) throw fail(localOffset, `"${name}" uses compression method ${method}`, 'stored (0) or deflate (8)');
    if (u32(localOffset) !== LOCAL) throw fail(localOffset, `the local header of "${name}" is damaged`, 'the signature PK\\x03\\x04');
    const dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataStart + compressedSize > bytes.length) throw fail(dataStart, `the data of "${name}" runs past the end of the archive`, 'a complete zip archive');
    total += size;
    listing.push({ name, size, compressedSize, method, crc, dataStart });
  }
  return listing;
}

/** Unpacks one listed file; a recorded size that lies stops the inflater at that size. */
export function unpackZipEntry(bytes: Uint8Array, entry: ZipListing, file: string): Uint8Array {
  const packed = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = packed;
  else {
    try {
      data = inflateRawSync(packed, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (cause) {
      throw new FormatError({ file, offset: entry.dataStart }, `"${entry.name}" cannot be unpacked (damaged, or larger than its recorded size)`, { expected: 'valid deflate data', cause });
    }
  }
  if (data.length !== entry.size || crc32(data) !== entry.crc) {
    throw new FormatError({ file, offset: entry.dataStart }, `"${entry.name}" is damaged (size or checksum does not match)`, { expected: 'the CRC-32 recorded in the archive' });
  }
  return data;
}

/**
 * Reads a zip archive's files from its central directory (stored or deflated entries), checking
 * every offset, size and CRC, so a truncated or hostile archive becomes a FormatError with the byte
 * offset rather than a crash or a memory blow-up. Banks zip several CAMT statements into one download.
 */
export function readZip(bytes: Uint8Array, file: string, limits: ZipLimits = zipLimitsFor(bytes.length)): ZipEntry[] {
  return listZip(bytes, file, limits).map((entry) => ({ name: entry.name, data: unpackZipEntry(bytes, entry, file) }));
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * The same files as an archive without compression. The Excel reader (exceljs, through JSZip)
 * unpacks whatever it is given however large it turns out; given files that were already unpacked
 * here, within the budget and with their recorded sizes and checksums verified, it only slices them.
 */
export function storedZip(entries: readonly ZipEntry[]): Buffer {
  return writeZip(entries, { compress: false });
}
