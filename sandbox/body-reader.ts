import type { IncomingMessage } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { CloudHttpError } from './http-error.ts';

const gunzipAsync = promisify(gunzip);

/** Past this many bytes an oversized body is no longer drained but its connection cut. */
const DRAIN_FACTOR = 4;
/** A gzip body may expand to this multiple of the compressed limit before it counts as a zip bomb. */
const DECODED_FACTOR = 16;

/**
 * Reads a request body completely, keeping at most `maxBytes`. An oversized body is read to its
 * end and discarded (so the client can read the 413 instead of seeing a reset while it is still
 * writing), unless it runs past `DRAIN_FACTOR × maxBytes`, when the connection is cut.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const drainLimit = Math.max(maxBytes * DRAIN_FACTOR, 1024 * 1024);
    const tooLarge = () =>
      new CloudHttpError(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes.`, {
        details: { maxBytes },
      });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainLimit) {
      // Not worth draining: answer at once and close, the client sees the 413 or a reset.
      req.resume();
      const error = tooLarge();
      error.headers.connection = 'close';
      return reject(error);
    }
    // The client left before the handler got here (during a fault's latency, say): 'close' has fired
    // already and will not again, so waiting for the body would hang this request, and close(), for ever.
    if (req.destroyed && !req.readableEnded) return reject(new Error('The client closed the connection before the body ended.'));
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= maxBytes) chunks.push(chunk);
      else if (received > drainLimit) {
        req.destroy();
        reject(tooLarge());
      }
    });
    req.on('end', () => (received > maxBytes ? reject(tooLarge()) : resolve(Buffer.concat(chunks, received))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('The client closed the connection before the body ended.'));
    });
  });
}

/** Undoes `Content-Encoding` (identity or gzip), refusing bodies that inflate past a sane bound. */
export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new CloudHttpError(
      415,
      'unsupported_content_encoding',
      `Content-Encoding ${encoding} is not supported; use gzip.`,
      {
        headers: { 'accept-encoding': 'gzip' },
      },
    );
  }
  const maxOutputLength = maxBytes * DECODED_FACTOR;
  try {
    return await gunzipAsync(raw, { maxOutputLength });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CloudHttpError(413, 'payload_too_large', `The gzip body inflates past ${maxOutputLength} bytes.`);
    }
    throw new CloudHttpError(400, 'invalid_gzip', 'The body is marked Content-Encoding: gzip but is not valid gzip.');
  }
}
