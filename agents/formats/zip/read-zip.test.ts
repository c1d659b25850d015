import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../format-error.ts';
import { readZip } from './read-zip.ts';

/** A minimal zip writer for the tests: stored or deflated entries, central directory, end record. */
function zip(files: { name: string; data: string | Uint8Array; store?: boolean; flags?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const data = typeof f.data === 'string' ? Buffer.from(f.data) : Buffer.from(f.data);
    const packed = f.store === true ? data : deflateRawSync(data);
    const name = Buffer.from(f.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(f.flags ?? 0, 6);
    local.writeUInt16LE(f.store === true ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(f.flags ?? 0, 8);
    central.writeUInt16LE(f.store === true ? 0 : 8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
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

describe('zip reader', () => {
  it('reads stored and deflated entries and skips folders', () => {
    const bytes = zip([
      { name: 'a.xml', data: '<Document/>'.repeat(100) },
      { name: 'dir/', data: '', store: true },
      { name: 'dir/b.sta', data: ':20:X', store: true },
    ]);
    expect(readZip(bytes, 'x.zip').map((e) => [e.name, Buffer.from(e.data).toString().slice(0, 11)])).toEqual([
      ['a.xml', '<Document/>'],
      ['dir/b.sta', ':20:X'],
    ]);
  });

  it('refuses damaged, cut, encrypted and oversized archives with the byte offset', () => {
    const good = zip([{ name: 'a.xml', data: 'hello world hello world' }]);
    const damaged = Buffer.from(good);
    damaged[40] = (damaged[40] ?? 0) ^ 0xff;
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.length - 5), /no central directory \(it looks cut off\)/],
      [damaged, /"a.xml" (cannot be unpacked|is damaged)/],
      [zip([{ name: 's.xml', data: 'x', flags: 1 }]), /"s.xml" is encrypted/],
      [new Uint8Array(10), /no central directory/],
    ];
    for (const [bytes, message] of cases) {
      let error: unknown;
      try {
        readZip(bytes, 'x.zip');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).message).toMatch(message);
      expect((error as FormatError).offset).toBeTypeOf('number');
    }
    const bomb = zip([{ name: 'big.xml', data: Buffer.alloc(2_000_000) }]);
    expect(() => readZip(bomb, 'x.zip', { maxEntries: 10, maxEntryBytes: 1_000_000, maxTotalBytes: 1_000_000 })).toThrow(/unpacks to 1.9 MiB \(the archive itself is/);
  });
});
