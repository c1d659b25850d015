import { createHmac } from 'node:crypto';

/**
 * `TYA-Signature` header value (cloud-api.md § Signatures): HMAC-SHA256 over `"<t>."` followed by
 * the request body exactly as it goes on the wire, i.e. after gzip. Signing the compressed bytes
 * means the cloud can verify before it spends any effort decompressing.
 */
export function signatureHeader(signingSecret: string, bodyBytes: Uint8Array, unixSecs: number): string {
  const t = Math.floor(unixSecs);
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${t}.`, 'utf8');
  hmac.update(bodyBytes);
  return `t=${t},v1=${hmac.digest('hex')}`;
}
