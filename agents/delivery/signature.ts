import { createHash, createHmac } from 'node:crypto';

/**
 * `TYA-Signature` header value (cloud-api.md § Signatures):
 * `t=<unix seconds>,v2=HMAC-SHA256(signingSecret, "<t>\n<METHOD>\n<path with query>\n<hex SHA-256 of body>")`
 * over the body exactly as it goes on the wire (after gzip), so the cloud can verify before it
 * decompresses anything. Binding method and path means a captured body cannot be replayed to
 * another route.
 */
export function signatureHeader(
  signingSecret: string,
  request: { method: string; pathWithQuery: string; body: Uint8Array | { sha256: string } },
  unixSecs: number,
): string {
  const t = Math.floor(unixSecs);
  // A streamed body (a file original) is signed by its content hash, known before it is read.
  const bodyHash = request.body instanceof Uint8Array ? createHash('sha256').update(request.body).digest('hex') : request.body.sha256;
  const signed = `${t}\n${request.method.toUpperCase()}\n${request.pathWithQuery}\n${bodyHash}`;
  return `t=${t},v2=${createHmac('sha256', signingSecret).update(signed, 'utf8').digest('hex')}`;
}
