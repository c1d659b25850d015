/**
 * A row's content hash for snapshot mode: the first 16 hex digits of MD5 over every column's text,
 * each prefixed by its length in characters (`3:abc`) or `-` for NULL, so no two different rows
 * give the same input. PostgreSQL and MariaDB compute it in SQL (dialects/*.ts, `rowHash`), which
 * lets them also add up a whole chunk's hashes in one query; SQLite has no MD5, so the agent
 * computes the same function on the texts it read. A chunk's checksum is the sum of its rows'
 * hashes modulo 2^64: order-free, so a range can be checked without sorting anything in JS.
 */
import { createHash } from 'node:crypto';

const MODULUS = 1n << 64n;

export function localRowHash(texts: readonly (string | null)[]): bigint {
  const input = texts.map((text) => (text === null ? '-' : `${[...text].length}:${text}`)).join('');
  return hashFromHex(createHash('md5').update(input, 'utf8').digest('hex').slice(0, 16));
}

/** 16 hex digits (as the database returned them) → the hash. */
export function hashFromHex(hex: unknown): bigint {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{16}$/.test(hex)) {
    throw new Error(`A row hash came back as ${JSON.stringify(hex)}, not 16 hex digits.`);
  }
  return BigInt(`0x${hex}`);
}

/** The database's exact decimal sum of hashes (signed on PostgreSQL) → the sum modulo 2^64. */
export function sumFromText(text: string): bigint {
  return ((BigInt(text) % MODULUS) + MODULUS) % MODULUS;
}
