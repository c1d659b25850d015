import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ClockRequestSchema,
  DeprecationRequestSchema,
  EnrollmentKeyRequestSchema,
  FaultSchema,
  LimitsSchema,
  MinAgentVersionRequestSchema,
  QueueCommandRequestSchema,
  RejectRuleSchema,
  TunnelSettingsRequestSchema,
} from './admin-schemas.ts';
import { INSPECTION_ROUTES, unknownAgent, type AdminCall, type AdminRoute } from './admin-inspection-routes.ts';
import { readBody } from './body-reader.ts';
import type { CloudServices } from './cloud-types.ts';
import { CloudHttpError, errorBody } from './http-error.ts';
import { writeResponse } from './http-reply.ts';
import { isLoopbackAddress } from './loopback.ts';
import { validate } from './request-parsing.ts';
import { isSemver } from './semver.ts';
import { randomSecret } from './store/secrets.ts';
import { WRITEBACK_ADMIN_ROUTES } from './writeback-admin-routes.ts';

// Files put there for agents come through here too.
const MAX_ADMIN_BODY_BYTES = 64 * 1024 * 1024;

const ok = (body: unknown, status = 200) => ({ status, body });

const ADMIN_ROUTES: AdminRoute[] = [
  ...INSPECTION_ROUTES,
  ...WRITEBACK_ADMIN_ROUTES,
  [
    'POST',
    /^\/admin\/enrollment-keys$/,
    [],
    (c, { store, state }) => {
      const request = c.json(EnrollmentKeyRequestSchema);
      const key = request.key ?? `ek_${randomSecret(18)}`;
      const result = store.agents.createEnrollmentKey(key, request.entities ?? state.defaultEntities, state.nowIso());
      return ok({ key, ...result }, result.created ? 201 : 200);
    },
  ],
  ['GET', /^\/admin\/faults$/, [], (_c, { state }) => ok({ faults: state.faults.list() })],
  ['POST', /^\/admin\/faults$/, [], (c, { state }) => ok(state.faults.add(c.json(FaultSchema)), 201)],
  ['DELETE', /^\/admin\/faults$/, [], (_c, { state }) => (state.faults.clear(), { status: 204 })],
  [
    'POST',
    /^\/admin\/commands$/,
    [],
    (c, { store, state, tunnels }) => {
      const command = c.json(QueueCommandRequestSchema);
      if (!store.agents.exists(command.agentId)) throw unknownAgent(command.agentId);
      const id = store.heartbeats.queueCommand(
        command.agentId,
        command.name,
        command.args,
        command.signature,
        state.nowIso(),
        command.channels === 'both',
      );
      // Down the open tunnel now; otherwise (or also, with `both`) the next heartbeat hands it over.
      return ok({ id, sentOnTunnel: tunnels.push(command.agentId) }, 201);
    },
  ],
  [
    'POST',
    /^\/admin\/tunnel$/,
    [],
    (c, { tunnels }) => {
      const { refuseUpgrades } = c.json(TunnelSettingsRequestSchema);
      tunnels.refuseUpgrades = refuseUpgrades;
      // A proxy put in the way cuts the tunnels that were open, too.
      if (refuseUpgrades) tunnels.dropAll(1001, 'the sandbox refuses WebSocket upgrades now');
      return ok({ refuseUpgrades });
    },
  ],
  [
    'GET',
    /^\/admin\/tunnels$/,
    [],
    (_c, { tunnels }) => ok({ refuseUpgrades: tunnels.refuseUpgrades, tunnels: tunnels.list() }),
  ],
  [
    'POST',
    /^\/admin\/agents\/([^/]+)\/revoke$/,
    ['agentId'],
    (c, { store, state }) => {
      const agentId = c.params.agentId!;
      const revokedAt = store.agents.revoke(agentId, state.nowIso());
      if (revokedAt === undefined) throw unknownAgent(agentId);
      return ok({ agentId, revokedAt });
    },
  ],
  [
    'POST',
    /^\/admin\/clock$/,
    [],
    (c, { state }) => {
      const clock = c.json(ClockRequestSchema);
      if (clock.offsetMs !== undefined) state.clockOffsetMs = clock.offsetMs;
      if (clock.seqOffsetMs !== undefined) state.seqOffsetMs = clock.seqOffsetMs;
      return ok({
        offsetMs: state.clockOffsetMs,
        seqOffsetMs: state.seqOffsetMs,
        now: state.nowIso(),
        maxSeq: state.maxSeq(),
      });
    },
  ],
  [
    'POST',
    /^\/admin\/limits$/,
    [],
    (c, { state }) => {
      state.limits = { ...state.limits, ...c.json(LimitsSchema.partial()) };
      return ok(state.limits);
    },
  ],
  [
    'POST',
    /^\/admin\/min-agent-version$/,
    [],
    (c, { state }) => {
      const { version } = c.json(MinAgentVersionRequestSchema);
      if (version !== null && !isSemver(version))
        throw new CloudHttpError(400, 'invalid_version', `${version} is not a semantic version.`);
      state.minAgentVersion = version;
      return ok({ version });
    },
  ],
  [
    'POST',
    /^\/admin\/reject-rules$/,
    [],
    (c, { state }) => {
      const rule = c.json(RejectRuleSchema);
      state.rejectRules.push(rule);
      return ok({ rules: state.rejectRules }, 201);
    },
  ],
  ['DELETE', /^\/admin\/reject-rules$/, [], (_c, { state }) => ((state.rejectRules = []), { status: 204 })],
  [
    'POST',
    /^\/admin\/deprecation$/,
    [],
    (c, { state }) => {
      state.deprecation = c.json(DeprecationRequestSchema);
      return ok(state.deprecation);
    },
  ],
];

/** The test/admin surface: loopback callers only, because it can revoke agents and queue commands. */
export async function dispatchAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  services: CloudServices,
  requestId: string,
): Promise<void> {
  const headers = { 'x-request-id': requestId, 'cache-control': 'no-store' };
  try {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      req.resume();
      throw new CloudHttpError(403, 'forbidden', 'The sandbox admin API answers loopback callers only.');
    }
    const raw = await readBody(req, MAX_ADMIN_BODY_BYTES);
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const method = req.method ?? 'GET';
    for (const [routeMethod, pattern, names, handler] of ADMIN_ROUTES) {
      const m = pattern.exec(url.pathname);
      if (m === null || routeMethod !== method) continue;
      const call: AdminCall = {
        params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])),
        query: url.searchParams,
        raw,
        json: (schema) => {
          let value: unknown = {};
          if (raw.length > 0) {
            try {
              value = JSON.parse(raw.toString('utf8'));
            } catch {
              throw new CloudHttpError(400, 'invalid_json', 'The body is not valid JSON.');
            }
          }
          return validate(schema, value);
        },
      };
      const reply = handler(call, services);
      return writeResponse(res, reply.status, reply.body, { ...headers, ...reply.headers });
    }
    throw new CloudHttpError(404, 'not_found', `There is no admin endpoint ${method} ${url.pathname}.`);
  } catch (error) {
    if (req.socket.destroyed) return;
    const e = error instanceof CloudHttpError ? error : new CloudHttpError(500, 'internal_error', String(error));
    writeResponse(res, e.status, errorBody(e.code, e.message, requestId, e.details), { ...headers, ...e.headers });
  }
}
