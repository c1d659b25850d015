import { WritebackResultSchema, type WritebackItem } from '../agents/api/writeback.ts';
import type { CloudKey } from './cloud-key.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { parseJsonBody, requireOwnAgent } from './request-parsing.ts';

const MAX_LIMIT = 500;

/** The item with the cloud's `sig`; a test may ask for a missing or wrong one. */
export function signedItem(key: CloudKey, item: WritebackItem, signature: 'valid' | 'invalid' | 'missing'): WritebackItem {
  const { sig: _ignored, ...unsigned } = item;
  switch (signature) {
    case 'missing':
      return unsigned;
    case 'invalid':
      return { ...unsigned, sig: key.sign({ ...unsigned, data: { ...unsigned.data, tampered: true } }) };
    case 'valid':
      return { ...unsigned, sig: key.sign(unsigned) };
  }
}

/** `GET /v1/agents/{agentId}/writebacks?after=&limit=`: the agent's items after the cursor. */
export function listWritebacks(request: CloudRequest, { store }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  const after = Number(request.query.get('after') ?? '0');
  const limit = Math.min(Number(request.query.get('limit') ?? '100'), MAX_LIMIT);
  if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1) {
    throw new CloudHttpError(400, 'invalid_query', 'after must be a cursor this API returned and limit a positive integer.');
  }
  const page = store.writebacks.list(agentId, after, limit);
  return { status: 200, body: page, note: `${page.items.length} write-back item(s) for ${agentId}` };
}

/**
 * `POST /v1/agents/{agentId}/writebacks/{id}/result`: `pending` may be followed by a final status; the
 * same final status again is fine; a different final status is `409 result_conflict`.
 */
export function receiveWritebackResult(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  const id = request.params.id!;
  const result = parseJsonBody(request, WritebackResultSchema);
  if (result.id !== id) throw new CloudHttpError(400, 'id_mismatch', `The body's id ${result.id} is not the path's ${id}.`);
  if (store.writebacks.owner(id) !== agentId) {
    throw new CloudHttpError(404, 'unknown_writeback', `There is no write-back item ${id} for this agent.`);
  }
  return store.db.transaction((): CloudReply => {
    const final = store.writebacks.finalStatus(id);
    if (final !== undefined) {
      if (result.status === final.status) return { status: 200, body: { id, status: final.status }, note: `${id} again` };
      throw new CloudHttpError(409, 'result_conflict', `${id} was already reported ${final.status}; ${result.status} cannot replace it.`);
    }
    store.writebacks.recordResult(result, state.nowIso());
    return { status: 200, body: { id, status: result.status }, note: `${id} ${result.status}` };
  })();
}
