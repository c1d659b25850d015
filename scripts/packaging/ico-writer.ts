/**
 * A Windows .ico with PNG images inside (Windows Vista and later read them; the installer, the
 * shortcut and the taskbar pick the size they need). The format is a 6-byte header, one 16-byte
 * entry per image, then the images: small enough to write here rather than add a dependency.
 */

export interface IcoImage {
  /** Width and height in pixels (square), 1 to 256. */
  size: number;
  png: Buffer;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function writeIco(images: readonly IcoImage[]): Buffer {
  if (images.length === 0 || images.length > 0xffff) throw new Error(`An icon holds 1 to 65535 images; got ${images.length}.`);
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon (2 would be a cursor)
  header.writeUInt16LE(images.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    if (!Number.isInteger(size) || size < 1 || size > 256) throw new Error(`An icon image is 1 to 256 pixels wide; got ${size}.`);
    if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`The ${size}x${size} image is not a PNG (its first bytes are not the PNG signature).`);
    const { width, height } = pngSize(png);
    if (width !== size || height !== size) throw new Error(`The image given as ${size}x${size} is ${width}x${height}.`);
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size === 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size === 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // no palette
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    entries.push(entry);
    offset += png.length;
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/** What an .ico holds: each entry's declared size and its PNG's own size, for checking one. */
export function readIco(ico: Buffer): Array<{ declared: number; width: number; height: number }> {
  if (ico.readUInt16LE(0) !== 0 || ico.readUInt16LE(2) !== 1) throw new Error('Not an icon file (header is not 0, 1).');
  const count = ico.readUInt16LE(4);
  const out: Array<{ declared: number; width: number; height: number }> = [];
  for (let i = 0; i < count; i += 1) {
    const at = 6 + 16 * i;
    const declared = ico.readUInt8(at) === 0 ? 256 : ico.readUInt8(at);
    const length = ico.readUInt32LE(at + 8);
    const offset = ico.readUInt32LE(at + 12);
    const png = ico.subarray(offset, offset + length);
    if (png.length !== length || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`Entry ${i} does not point at a whole PNG.`);
    out.push({ declared, ...pngSize(png) });
  }
  return out;
}

/** Width and height from a PNG's IHDR chunk (always the first, right after the signature). */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('The PNG has no IHDR chunk where the format puts it.');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
