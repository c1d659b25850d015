import { CloudHeaders, type FilePutResponse } from '../agents/api/cloud.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { sha256Hex } from './store/secrets.ts';

function header(request: CloudRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `PUT /v1/files/{sha256}`: idempotent by content hash, 201 the first time and 200 after. */
export function putFile(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const claimed = request.params.sha256!;
  if (!/^[0-9a-f]{64}$/.test(claimed)) {
    throw new CloudHttpError(400, 'invalid_hash', 'The path must end in the lowercase hex SHA-256 of the file.');
  }
  const actual = sha256Hex(request.body);
  if (actual !== claimed) {
    throw new CloudHttpError(400, 'hash_mismatch', 'The bytes received do not hash to the SHA-256 in the path.', {
      details: { received: actual },
    });
  }
  const created = store.files.put(
    claimed,
    request.body,
    {
      name: header(request, CloudHeaders.fileName),
      source: header(request, CloudHeaders.source),
      contentType: header(request, 'content-type'),
      agentId: request.agentId!,
    },
    state.nowIso(),
  );
  const body: FilePutResponse = { sha256: claimed, bytes: request.body.length };
  return {
    status: created ? 201 : 200,
    body,
    note: `file ${claimed.slice(0, 12)}… (${request.body.length} bytes) ${created ? 'stored' : 'already stored'}`,
  };
}
