import { createHmac, timingSafeEqual } from 'node:crypto';
import { CloudHttpError } from './http-error.ts';

/** `TYA-Signature: t=<unix seconds>,v1=<hex>` for a body (cloud-api.md, Signatures). */
export function signatureHeader(signingSecret: string, body: Buffer | string, unixSecs: number): string {
  return `t=${unixSecs},v1=${hmac(signingSecret, unixSecs, body).toString('hex')}`;
}

function hmac(secret: string, t: number | string, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

function parseSignatureHeader(header: string): { t: string; v1: Buffer[] } | null {
  let t: string | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') t = value;
    else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || !/^\d{1,12}$/.test(t) || v1.length === 0) return null;
  return { t, v1 };
}

/**
 * Verifies a signature over the raw body bytes as received. The HMAC is checked before the time
 * window, so `signature_expired` always means "authentic, but your clock or queue is off", which is
 * what the agent's doctor tells the operator.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  nowMs: number,
  windowSecs: number,
): void {
  if (header === undefined || header === '') {
    throw new CloudHttpError(401, 'bad_signature', 'The TYA-Signature header is missing; sign every POST and PUT.');
  }
  const parsed = parseSignatureHeader(header);
  if (parsed === null) {
    throw new CloudHttpError(401, 'bad_signature', 'The TYA-Signature header is not of the form t=<unix>,v1=<hex>.');
  }
  const authentic = secrets.some((secret) => {
    const expected = hmac(secret, parsed.t, rawBody);
    return parsed.v1.some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  });
  if (!authentic) {
    throw new CloudHttpError(401, 'bad_signature', 'The TYA-Signature does not match the body and signing secret.');
  }
  const skewSecs = Math.abs(nowMs / 1000 - Number(parsed.t));
  if (skewSecs > windowSecs) {
    throw new CloudHttpError(
      401,
      'signature_expired',
      `The signature timestamp is ${Math.round(skewSecs)} s away from the cloud's clock (allowed: ${windowSecs} s); check the agent's clock.`,
      { details: { serverTime: new Date(nowMs).toISOString(), windowSecs } },
    );
  }
}
