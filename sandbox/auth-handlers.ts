import { z } from 'zod';
import {
  CloudHeaders,
  EnrollRequestSchema,
  type EnrollResponse,
  type RotateResponse,
  type TokenResponse,
} from '../agents/api/cloud.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { parseJsonBody, parseJsonValue, requireOwnAgent, validate } from './request-parsing.ts';

/** How long a rotated-out signing secret still verifies (cloud-api.md, Rotation). */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export function enrollAgent(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const body = parseJsonBody(request, EnrollRequestSchema);
  const outcome = store.agents.enroll(body, state.now(), state.nowIso());
  switch (outcome.kind) {
    case 'unknown_key':
      throw new CloudHttpError(401, 'unknown_enrollment_key', 'This enrollment key is not known to the cloud.');
    case 'key_used':
      throw new CloudHttpError(
        409,
        'enrollment_key_used',
        'This enrollment key was already used; ask for a new key to enroll another agent.',
      );
    case 'enrolled':
    case 'retried': {
      const answer: EnrollResponse = {
        ...outcome.credentials,
        seqFloors: store.history.floors(outcome.credentials.entities),
        cloudKey: store.cloudKey.publicKey,
      };
      return {
        status: 201,
        body: answer,
        note: `${outcome.kind === 'retried' ? 're-sent the enrollment of' : 'enrolled'} agent ${answer.agentId} (${body.name})`,
      };
    }
  }
}

/** RFC 6749 §4.4 form fields; client credentials may also come as HTTP Basic (§2.3.1). */
const TokenFormSchema = z.object({
  grant_type: z.string().min(1),
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
});

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export function issueToken(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new CloudHttpError(
      415,
      'unsupported_media_type',
      'Send the token request as application/x-www-form-urlencoded.',
    );
  }
  const form = validate(TokenFormSchema, Object.fromEntries(new URLSearchParams(request.body.toString('utf8'))));
  if (form.grant_type !== 'client_credentials') {
    throw new CloudHttpError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
  }
  const basic = basicCredentials(request.headers.authorization);
  const clientId = basic?.id ?? form.client_id;
  const clientSecret = basic?.secret ?? form.client_secret;
  const client =
    clientId !== undefined && clientSecret !== undefined ? store.agents.checkClient(clientId, clientSecret) : undefined;
  if (client === undefined) {
    throw new CloudHttpError(
      401,
      'invalid_client',
      'The client id or secret is wrong; re-enroll the agent or rotate its credentials.',
    );
  }
  if (client.revoked) throw revokedError();
  const ttlSecs = state.limits.tokenTtlSecs;
  const token = store.agents.issueToken(client.agentId, state.now(), ttlSecs);
  const body: TokenResponse = {
    access_token: token,
    token_type: 'Bearer',
    expires_in: ttlSecs,
    seqFloors: store.seqFloors(client.agentId),
  };
  return { status: 200, body, headers: { pragma: 'no-cache' }, note: `token issued to ${client.agentId}` };
}

/** `POST /v1/agents/{agentId}/rotate`: idempotent by Idempotency-Key, so a crashed agent asks again. */
export function rotateCredentials(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  const idempotencyKey = request.headers[CloudHeaders.idempotencyKey];
  if (typeof idempotencyKey !== 'string' || idempotencyKey === '') {
    throw new CloudHttpError(
      400,
      'missing_idempotency_key',
      'Send Idempotency-Key with a rotation, and the same key again if the answer was lost.',
    );
  }
  if (request.body.length > 0) validate(z.record(z.string(), z.unknown()), parseJsonValue(request));
  const rotated: RotateResponse = store.agents.rotate(
    agentId,
    idempotencyKey,
    state.now(),
    PREVIOUS_SECRET_GRACE_MS,
    state.nowIso(),
  );
  return { status: 200, body: rotated, note: `credentials of ${agentId} rotated` };
}

/** `DELETE /v1/agents/{agentId}`: the agent leaves (uninstall); its sources are free. Idempotent. */
export function unregisterAgent(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  store.db.transaction(() => {
    store.agents.unregister(agentId, state.nowIso());
    store.owners.release(agentId);
  })();
  return { status: 204, note: `agent ${agentId} unregistered, its sources freed` };
}

export function revokedError(unregistered = false): CloudHttpError {
  return new CloudHttpError(
    401,
    'agent_revoked',
    unregistered
      ? 'This agent was unregistered (DELETE /v1/agents/{agentId}); enroll again with a new enrollment key to send data.'
      : 'This agent was revoked in the cloud; delivery stops, the queue is kept. Enroll again to resume.',
  );
}
