import { CreateWritebackRequestSchema } from '../agents/api/writeback.ts';
import { unknownAgent, type AdminRoute } from './admin-inspection-routes.ts';
import { signedItem } from './writeback-handler.ts';

/**
 * Tests create write-back items (as the cloud would after an approval) and read the agent's results.
 * Creating one queues `writeback-available` for the agent (tunnel first, else the next heartbeat).
 */
export const WRITEBACK_ADMIN_ROUTES: AdminRoute[] = [
  [
    'POST',
    /^\/admin\/writebacks$/,
    [],
    (c, { store, state, tunnels }) => {
      const request = c.json(CreateWritebackRequestSchema);
      if (!store.agents.exists(request.agentId)) throw unknownAgent(request.agentId);
      const { agentId, signature, ...rest } = request;
      const item = store.writebacks.create(agentId, { ...rest, createdAt: state.nowIso() }, (unsigned) =>
        signedItem(store.cloudKey, unsigned, signature),
      );
      store.heartbeats.queueCommand(agentId, 'writeback-available', {}, 'valid', state.nowIso(), false);
      return { status: 201, body: { item, sentOnTunnel: tunnels.push(agentId) } };
    },
  ],
  [
    'GET',
    /^\/admin\/agents\/([^/]+)\/writeback-results$/,
    ['agentId'],
    (c, { store }) => ({ status: 200, body: { results: store.writebacks.results(c.params.agentId!) } }),
  ],
];
