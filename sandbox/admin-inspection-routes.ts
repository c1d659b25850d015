/**
 * The admin surface's read side and data hooks: what the sandbox holds (history per key, each key's
 * latest, counts per stream, floors, owners, acks), source hand-over, and files put there for agents.
 */
import type { z } from 'zod';
import { EntitySchema } from './admin-schemas.ts';
import type { CloudServices } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';
import { HandoverRequestSchema, HistoryFilterSchema } from './inspection-schemas.ts';
import { validate } from './request-parsing.ts';
import { sha256Hex } from './store/secrets.ts';

export interface AdminCall {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The body as received. */
  raw: Buffer;
  json<S extends z.ZodType>(schema: S): z.output<S>;
}
export type AdminReply = { status: number; body?: unknown; headers?: Record<string, string> };
export type AdminHandler = (call: AdminCall, services: CloudServices) => AdminReply;
export type AdminRoute = [method: string, pattern: RegExp, names: string[], handler: AdminHandler];

const ok = (body: unknown, status = 200): AdminReply => ({ status, body });

function limitParam(query: URLSearchParams): number | undefined {
  const limit = query.get('limit');
  return limit === null ? undefined : Math.max(0, Number.parseInt(limit, 10) || 0);
}

/** entity, source, stream and key (JSON) from the query string. */
function historyFilter(query: URLSearchParams) {
  const raw: Record<string, unknown> = {};
  for (const name of ['entity', 'source', 'stream'] as const) {
    const value = query.get(name);
    if (value !== null) raw[name] = value;
  }
  const key = query.get('key');
  if (key !== null) {
    try {
      raw.key = JSON.parse(key) as unknown;
    } catch {
      throw new CloudHttpError(
        400,
        'invalid_request',
        'key must be the record key as JSON, e.g. key={"receipt_id":"7"}.',
      );
    }
  }
  return validate(HistoryFilterSchema, raw);
}

export function unknownAgent(agentId: string): CloudHttpError {
  return new CloudHttpError(404, 'unknown_agent', `No agent ${agentId} is enrolled.`);
}

export const INSPECTION_ROUTES: AdminRoute[] = [
  ['GET', /^\/admin\/counts$/, [], (_c, { store }) => ok(store.counts.counts())],
  ['GET', /^\/admin\/agents$/, [], (_c, { store }) => ok({ agents: store.agents.list() })],
  ['GET', /^\/admin\/batches$/, [], (c, { store }) => ok({ batches: store.batches.batches(limitParam(c.query)) })],
  [
    'GET',
    /^\/admin\/heartbeats$/,
    [],
    (c, { store }) => ok({ heartbeats: store.heartbeats.list(limitParam(c.query)) }),
  ],
  ['GET', /^\/admin\/files$/, [], (_c, { store }) => ok({ files: store.files.list() })],
  [
    'GET',
    /^\/admin\/files\/([0-9a-f]{64})$/,
    ['sha256'],
    (c, { store }) => {
      const file = store.files.content(c.params.sha256!, c.query.get('entity') ?? undefined);
      if (file === undefined) throw new CloudHttpError(404, 'unknown_file', 'No file with this SHA-256 is held.');
      return { status: 200, body: file.bytes, headers: { 'content-type': 'application/octet-stream' } };
    },
  ],
  [
    // A file the cloud holds for an entity (a payment file for push-file): body = the bytes.
    'PUT',
    /^\/admin\/files\/([0-9a-f]{64})$/,
    ['sha256'],
    (c, { store, state }) => {
      const sha256 = c.params.sha256!;
      const entity = validate(EntitySchema, c.query.get('entity') ?? '');
      if (sha256Hex(c.raw) !== sha256)
        throw new CloudHttpError(400, 'hash_mismatch', 'The body does not hash to the path.');
      const created = store.files.put(
        sha256,
        c.raw,
        { entity, name: c.query.get('name'), source: null, exportName: null, contentType: null, agentId: null },
        state.nowIso(),
      );
      return ok({ sha256, bytes: c.raw.length, created }, created ? 201 : 200);
    },
  ],
  [
    'GET',
    /^\/admin\/records$/,
    [],
    (c, { store }) => ok({ records: store.history.accepted(historyFilter(c.query), limitParam(c.query)) }),
  ],
  [
    'GET',
    /^\/admin\/history$/,
    [],
    (c, { store }) => ok({ history: store.history.history(historyFilter(c.query), limitParam(c.query)) }),
  ],
  [
    'GET',
    /^\/admin\/latest$/,
    [],
    (c, { store }) => ok({ latest: store.history.latest(historyFilter(c.query), limitParam(c.query)) }),
  ],
  [
    'GET',
    /^\/admin\/seq-floors$/,
    [],
    (c, { store }) => {
      const agentId = c.query.get('agentId');
      if (agentId !== null) {
        if (!store.agents.exists(agentId)) throw unknownAgent(agentId);
        return ok({ seqFloors: store.seqFloors(agentId) });
      }
      const entities = c.query.getAll('entity');
      return ok({ seqFloors: store.history.floors(entities) });
    },
  ],
  ['GET', /^\/admin\/sources$/, [], (_c, { store }) => ok({ sources: store.owners.list() })],
  [
    'POST',
    /^\/admin\/handover$/,
    [],
    (c, { store, state }) => {
      const handover = c.json(HandoverRequestSchema);
      if (handover.agentId !== null && !store.agents.exists(handover.agentId)) throw unknownAgent(handover.agentId);
      store.owners.handover(handover.entity, handover.source, handover.agentId, state.nowIso());
      return ok({ ...handover, owner: store.owners.owner(handover.entity, handover.source) ?? null });
    },
  ],
  [
    'GET',
    /^\/admin\/acks$/,
    [],
    (c, { store }) => ok({ acks: store.heartbeats.acks(c.query.get('agentId') ?? undefined) }),
  ],
  [
    'GET',
    /^\/admin\/commands$/,
    [],
    (c, { store }) => ok({ commands: store.heartbeats.commands(c.query.get('agentId') ?? undefined) }),
  ],
  [
    'GET',
    /^\/admin\/cloud-key$/,
    [],
    (_c, { store }) => ok({ cloudKey: store.cloudKey.publicKey, fingerprint: store.cloudKey.fingerprint }),
  ],
];
