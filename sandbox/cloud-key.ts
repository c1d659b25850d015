import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalize } from './canonical-json.ts';

const SETTING = 'cloud_key_pkcs8';

/**
 * The cloud's Ed25519 key (cloud-api.md § Cloud signatures): made once per sandbox database and kept
 * in it, so a restarted sandbox signs with the key its agents pinned at enrollment.
 */
export class CloudKey {
  readonly #private: KeyObject;
  /** base64 of the DER SubjectPublicKeyInfo: the `cloudKey` enrollment hands out. */
  readonly publicKey: string;
  /** `sha256:<hex>` of the DER public key: what an installer pins. */
  readonly fingerprint: string;

  private constructor(privateKey: KeyObject) {
    this.#private = privateKey;
    const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    this.publicKey = der.toString('base64');
    this.fingerprint = `sha256:${createHash('sha256').update(der).digest('hex')}`;
  }

  static load(db: Database.Database): CloudKey {
    const row = db.prepare('SELECT value FROM settings WHERE name = ?').get(SETTING) as { value: string } | undefined;
    if (row !== undefined) return new CloudKey(createPrivateKey(row.value));
    const { privateKey } = generateKeyPairSync('ed25519');
    db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)').run(
      SETTING,
      privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    );
    return new CloudKey(privateKey);
  }

  /** base64 Ed25519 signature over the RFC 8785 canonical JSON of `value` (which must not hold `sig`). */
  sign(value: Record<string, unknown>): string {
    return sign(null, Buffer.from(canonicalize(value), 'utf8'), this.#private).toString('base64');
  }
}
