/**
 * The bytes of `POST /v1/batches`. A pure function of the request, so a retried batch goes out
 * byte-identical (same Idempotency-Key, same body: the cloud replays its answer instead of
 * answering 422 idempotency_key_reused). Node's gzip writes mtime 0, so compression is
 * deterministic too.
 */
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { BatchRequest } from '../api/cloud.ts';

/** Bodies above this are gzipped; below it the gzip header costs more than it saves. */
export const GZIP_THRESHOLD_BYTES = 1024;

export interface EncodedBody {
  bytes: Uint8Array;
  /** `gzip` when compressed, for the `Content-Encoding` header. */
  contentEncoding: 'gzip' | undefined;
  /** Size of the JSON before compression, for logs and metrics. */
  jsonBytes: number;
}

export function encodeBatchBody(request: BatchRequest): EncodedBody {
  const json = Buffer.from(JSON.stringify(request), 'utf8');
  if (json.length <= GZIP_THRESHOLD_BYTES) return { bytes: json, contentEncoding: undefined, jsonBytes: json.length };
  return { bytes: gzipSync(json, { level: 6 }), contentEncoding: 'gzip', jsonBytes: json.length };
}

const gzipAsync = promisify(gzip);

/**
 * The same bytes as encodeBatchBody, gzipped on libuv's thread pool: the delivery loop's thread
 * leases and settles other batches meanwhile (docs/architecture.md § Delivery pipelining).
 */
export async function encodeBatchBodyAsync(request: BatchRequest): Promise<EncodedBody> {
  const json = Buffer.from(JSON.stringify(request), 'utf8');
  if (json.length <= GZIP_THRESHOLD_BYTES) return { bytes: json, contentEncoding: undefined, jsonBytes: json.length };
  return { bytes: await gzipAsync(json, { level: 6 }), contentEncoding: 'gzip', jsonBytes: json.length };
}
