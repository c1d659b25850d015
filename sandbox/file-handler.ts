import type { FilePutResponse } from '../agents/api/cloud.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { sha256Hex } from './store/secrets.ts';

function hashParam(request: CloudRequest): string {
  const sha256 = request.params.sha256!;
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new CloudHttpError(400, 'invalid_hash', 'The path must end in the lowercase hex SHA-256 of the file.');
  }
  return sha256;
}

function requiredParam(request: CloudRequest, name: string): string {
  const value = request.query.get(name);
  if (value === null || value === '') {
    throw new CloudHttpError(400, 'missing_parameter', `Add ${name}=<value> (percent-encoded UTF-8) to the query.`, {
      details: { parameter: name },
    });
  }
  return value;
}

/** The entity named in the query, which the agent must have been enrolled for. */
function allowedEntity(request: CloudRequest, { store }: CloudServices): string {
  const entity = requiredParam(request, 'entity');
  const entities = store.agents.entities(request.agentId!);
  if (!entities.includes(entity)) {
    throw new CloudHttpError(403, 'entity_not_allowed', `This agent was not enrolled for entity ${entity}.`, {
      details: { entity, allowed: entities },
    });
  }
  return entity;
}

/**
 * `PUT /v1/files/{sha256}?entity=&source=&name=[&export=]`: the metadata travels in the signed query.
 * Idempotent by content hash within the entity: 201 the first time, 200 when the entity already has
 * it; another entity's copy is never revealed (its upload of the same bytes is a 201 too).
 */
export function putFile(request: CloudRequest, services: CloudServices): CloudReply {
  const { store, state } = services;
  const claimed = hashParam(request);
  const entity = allowedEntity(request, services);
  const source = requiredParam(request, 'source');
  const name = requiredParam(request, 'name');
  const exportName = request.query.get('export');
  const actual = sha256Hex(request.body);
  if (actual !== claimed) {
    throw new CloudHttpError(400, 'hash_mismatch', 'The bytes received do not hash to the SHA-256 in the path.', {
      details: { received: actual },
    });
  }
  const contentType = request.headers['content-type'];
  const created = store.files.put(
    claimed,
    request.body,
    {
      entity,
      name,
      source,
      exportName: exportName === null || exportName === '' ? null : exportName,
      contentType: typeof contentType === 'string' && contentType !== '' ? contentType : null,
      agentId: request.agentId!,
    },
    state.nowIso(),
  );
  const body: FilePutResponse = { sha256: claimed, bytes: request.body.length };
  return {
    status: created ? 201 : 200,
    body,
    note: `file ${claimed.slice(0, 12)}… (${request.body.length} bytes) for ${entity} ${created ? 'stored' : 'already held'}`,
  };
}

/** `GET /v1/files/{sha256}?entity=`: a file the cloud holds for the entity (a payment file to push). */
export function getFile(request: CloudRequest, services: CloudServices): CloudReply {
  const sha256 = hashParam(request);
  const entity = allowedEntity(request, services);
  const file = services.store.files.content(sha256, entity);
  if (file === undefined) {
    throw new CloudHttpError(404, 'unknown_file', `Entity ${entity} holds no file with this SHA-256.`);
  }
  return {
    status: 200,
    body: file.bytes,
    headers: { 'content-type': file.contentType ?? 'application/octet-stream' },
    note: `file ${sha256.slice(0, 12)}… (${file.bytes.length} bytes) for ${entity}`,
  };
}
