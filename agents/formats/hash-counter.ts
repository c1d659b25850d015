/**
 * Counts how often each key was seen, remembering only a 64-bit hash per key in typed arrays (12
 * bytes a slot, outside the JS heap) instead of the key strings themselves. The entry keyer needs
 * this for every entry of a statement; as a Set of strings, a million-row statement cost ~90 MB and
 * made the garbage collector grow the young generation, the main cost of streaming big files.
 *
 * Two different keys with the same 64-bit hash would count as one (for n keys the chance is about
 * n² / 2^65: 3·10^-8 for a million); the keyer already trusts 128-bit digests the same way.
 */
// The in-memory OccurrenceCounter: occurrence-counter.ts's factory checks the shape (no import back, no loop).
export class HashCounter {
  private hashes = new Uint32Array(2 * 1024);
  private counts = new Uint32Array(1024);
  private mask = 1023;
  private used = 0;

  /** How many different keys it holds. */
  get size(): number {
    return this.used;
  }

  /** Counts `text` once more; returns how often it had been seen before. */
  incrementText(text: string): number {
    const [h1, h2] = textHash(text);
    return this.incrementHash(h1, h2);
  }

  /** Counts a key already given as 16 hex digits or more (a digest): its first 64 bits are the hash. */
  incrementHex(hex: string): number {
    const [h1, h2] = hexHash(hex);
    return this.incrementHash(h1, h2);
  }

  /** Every key held: its two hash words and its count. */
  *entries(): Generator<[h1: number, h2: number, count: number]> {
    for (let i = 0; i < this.counts.length; i += 1) {
      const x = this.hashes[2 * i] ?? 0;
      const y = this.hashes[2 * i + 1] ?? 0;
      if (x !== 0 || y !== 0) yield [x, y, this.counts[i] ?? 0];
    }
  }

  /** How often a key (as its 64-bit hash) was counted, without counting it. */
  countOf(h1: number, h2: number): number {
    if (h1 === 0 && h2 === 0) h2 = 1;
    h1 >>>= 0;
    h2 >>>= 0;
    for (let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask; ; slot = (slot + 1) & this.mask) {
      const x = this.hashes[2 * slot] ?? 0;
      const y = this.hashes[2 * slot + 1] ?? 0;
      if (x === 0 && y === 0) return 0;
      if (x === h1 && y === h2) return this.counts[slot] ?? 0;
    }
  }

  /** Counts a key given as its 64-bit hash (two 32-bit words); returns how often it had been seen before. */
  incrementHash(h1: number, h2: number): number {
    // (0, 0) marks an empty slot.
    if (h1 === 0 && h2 === 0) h2 = 1;
    h1 >>>= 0;
    h2 >>>= 0;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = this.hashes[2 * slot] ?? 0;
      const y = this.hashes[2 * slot + 1] ?? 0;
      if (x === 0 && y === 0) break;
      if (x === h1 && y === h2) {
        const before = this.counts[slot] ?? 0;
        this.counts[slot] = before + 1;
        return before;
      }
      slot = (slot + 1) & this.mask;
    }
    this.hashes[2 * slot] = h1;
    this.hashes[2 * slot + 1] = h2;
    this.counts[slot] = 1;
    this.used += 1;
    if (this.used * 4 > (this.mask + 1) * 3) this.grow();
    return 0;
  }

  private grow(): void {
    const { hashes, counts } = this;
    const size = (this.mask + 1) * 2;
    this.hashes = new Uint32Array(2 * size);
    this.counts = new Uint32Array(size);
    this.mask = size - 1;
    for (let i = 0; i < counts.length; i += 1) {
      const x = hashes[2 * i] ?? 0;
      const y = hashes[2 * i + 1] ?? 0;
      if (x === 0 && y === 0) continue;
      let slot = (x ^ Math.imul(y, 0x9e3779b1)) & this.mask;
      while ((this.hashes[2 * slot] ?? 0) !== 0 || (this.hashes[2 * slot + 1] ?? 0) !== 0)
        slot = (slot + 1) & this.mask;
      this.hashes[2 * slot] = x;
      this.hashes[2 * slot + 1] = y;
      this.counts[slot] = counts[i] ?? 0;
    }
  }
}

/** A text's 64-bit hash as two unsigned 32-bit words (FNV-1a and a murmur-style mix, finalized). */
export function textHash(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [fmix(a) >>> 0, fmix(b ^ a) >>> 0];
}

/** The first 64 bits of a hex digest as two unsigned 32-bit words. */
export function hexHash(hex: string): [number, number] {
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8, 16), 16) >>> 0];
}

/** murmur3's finalizer: spreads every input bit over the whole word. */
function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}
