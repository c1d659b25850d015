import type { ServerResponse } from 'node:http';

/** Writes a complete response: a Buffer as is, anything else as JSON, nothing for undefined. */
export function writeResponse(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number>,
): void {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const contentType =
    body !== undefined && !Buffer.isBuffer(body) ? { 'content-type': 'application/json; charset=utf-8' } : {};
  res.writeHead(status, {
    ...contentType,
    ...(payload === undefined ? {} : { 'content-length': payload.length }),
    ...headers,
  });
  res.end(payload);
}
