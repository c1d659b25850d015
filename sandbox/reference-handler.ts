import type { CloudReply, CloudRequest } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { referenceNames, referenceRepresentation } from './reference-data.ts';

/** RFC 9110 §13.1.2: If-None-Match uses the weak comparison, and `*` matches any current representation. */
export function noneMatch(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return true;
  const tags = ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return !tags.some((t) => t === '*' || t === etag.replace(/^W\//, ''));
}

/** `GET /v1/reference/{name}[?entity=…]` with a strong ETag and 304 for a cached copy. */
export function getReference(request: CloudRequest): CloudReply {
  const name = request.params.name!;
  const representation = referenceRepresentation(name, request.query.get('entity') ?? undefined);
  if (representation === undefined) {
    throw new CloudHttpError(404, 'unknown_reference_list', `There is no reference list named ${name}.`, {
      details: { available: referenceNames() },
    });
  }
  const headers = { etag: representation.etag, 'cache-control': 'no-cache' };
  if (!noneMatch(request.headers['if-none-match'], representation.etag)) {
    return { status: 304, headers, note: `${name} not modified` };
  }
  return {
    status: 200,
    body: representation.body,
    headers: { ...headers, 'content-type': 'application/json' },
    note: name,
  };
}
