import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { CloudHttpError } from './http-error.ts';

/** What a v2 signature covers (cloud-api.md § Signatures): time, method, path with query as sent, body digest. */
function signedText(unixSecs: number | string, method: string, pathWithQuery: string, body: Buffer | string): string {
  return `${unixSecs}\n${method.toUpperCase()}\n${pathWithQuery}\n${createHash('sha256').update(body).digest('hex')}`;
}

function hmac(secret: string, text: string): Buffer {
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

/** `TYA-Signature: t=<unix seconds>,v2=<hex>` for a request (the sandbox's tests sign with it). */
export function signatureHeader(
  signingSecret: string,
  method: string,
  pathWithQuery: string,
  body: Buffer | string,
  unixSecs: number,
): string {
  const t = Math.floor(unixSecs);
  return `t=${t},v2=${hmac(signingSecret, signedText(t, method, pathWithQuery, body)).toString('hex')}`;
}

function parseSignatureHeader(header: string): { t: string; v2: Buffer[] } | null {
  let t: string | undefined;
  const v2: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't') t = value;
    else if (name === 'v2' && /^[0-9a-f]{64}$/i.test(value)) v2.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || !/^\d{1,12}$/.test(t) || v2.length === 0) return null;
  return { t, v2 };
}

export interface SignedRequest {
  header: string | undefined;
  method: string;
  /** The request target exactly as sent: path and query, percent-encoding untouched. */
  pathWithQuery: string;
  /** The body bytes as received (compressed, if they were). */
  rawBody: Buffer;
}

/**
 * Verifies a v2 signature against any of `secrets` (two during a rotation), comparing in constant
 * time. The HMAC is checked before the time window, so `signature_expired` always means "authentic,
 * but your clock is off": the agent measures the offset from our `Date` header and signs again.
 * `nowMs` is the time the request headers arrived, so a long upload is not penalised.
 */
export function verifySignature(
  request: SignedRequest,
  secrets: readonly string[],
  nowMs: number,
  windowSecs: number,
): void {
  if (request.header === undefined || request.header === '') {
    throw new CloudHttpError(
      401,
      'bad_signature',
      'The TYA-Signature header is missing; sign every POST, PUT and DELETE.',
    );
  }
  const parsed = parseSignatureHeader(request.header);
  if (parsed === null) {
    throw new CloudHttpError(
      401,
      'bad_signature',
      'The TYA-Signature header is not of the form t=<unix seconds>,v2=<hex> (v1 signatures are no longer accepted).',
    );
  }
  const text = signedText(parsed.t, request.method, request.pathWithQuery, request.rawBody);
  let authentic = false;
  for (const secret of secrets) {
    const expected = hmac(secret, text);
    for (const given of parsed.v2) {
      // Every candidate is compared (no early exit), so timing says nothing about which one matched.
      if (given.length === expected.length && timingSafeEqual(given, expected)) authentic = true;
    }
  }
  if (!authentic) {
    throw new CloudHttpError(
      401,
      'bad_signature',
      'The TYA-Signature does not match this method, path, body and signing secret.',
    );
  }
  const skewSecs = Math.abs(nowMs / 1000 - Number(parsed.t));
  if (skewSecs > windowSecs) {
    throw new CloudHttpError(
      401,
      'signature_expired',
      `The signature timestamp is ${Math.round(skewSecs)} s away from the cloud's clock (allowed: ${windowSecs} s); measure the offset from the Date header, sign again and retry.`,
      { details: { serverTime: new Date(nowMs).toISOString(), windowSecs } },
    );
  }
}
