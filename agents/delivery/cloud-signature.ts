/**
 * What the cloud sends the agent (commands, write-back items) is signed with the cloud's Ed25519 key
 * (cloud-api.md § Cloud signatures): `sig` is the base64 signature over the canonical JSON (RFC 8785)
 * of the object without `sig`. A TLS-inspecting proxy can read and alter traffic, but it cannot
 * forge these, so an unsigned or wrongly signed object is refused.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../api/canonical-json.ts';
import type { JsonValue } from '../api/json.ts';

export type CloudSignatureCheck = { ok: true } | { ok: false; code: 'unsigned' | 'bad_cloud_signature'; message: string };

export class CloudSignatureVerifier {
  readonly #key: KeyObject;

  /** `cloudKey` as enrollment gives it: base64 of the DER SubjectPublicKeyInfo. */
  constructor(cloudKey: string) {
    this.#key = createPublicKey({ key: Buffer.from(cloudKey, 'base64'), format: 'der', type: 'spki' });
    if (this.#key.asymmetricKeyType !== 'ed25519') {
      throw new Error(`The cloud's key is ${this.#key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
    }
  }

  check(signed: { sig?: string | undefined } & Record<string, unknown>, what: string): CloudSignatureCheck {
    const { sig, ...unsigned } = signed;
    if (sig === undefined || sig === '') {
      return { ok: false, code: 'unsigned', message: `${what} carries no cloud signature; it was refused.` };
    }
    const message = Buffer.from(canonicalJson(unsigned as JsonValue), 'utf8');
    let valid: boolean;
    try {
      valid = verify(null, message, this.#key, Buffer.from(sig, 'base64'));
    } catch {
      valid = false;
    }
    return valid
      ? { ok: true }
      : {
          ok: false,
          code: 'bad_cloud_signature',
          message: `${what} is not signed by the cloud's key (altered on the way, or not from the cloud); it was refused.`,
        };
  }
}

/** SHA-256 of the key's DER bytes, hex: what an installer pins and `status` shows. */
export function cloudKeyFingerprint(cloudKey: string): string {
  return createHash('sha256').update(Buffer.from(cloudKey, 'base64')).digest('hex');
}
