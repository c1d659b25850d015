import { HeartbeatRequestSchema, type HeartbeatResponse } from '../agents/api/cloud.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { parseJsonBody, requireOwnAgent } from './request-parsing.ts';

/** `POST /v1/agents/{agentId}/heartbeat`: stored as received; answers with the queued commands, each once. */
export function receiveHeartbeat(request: CloudRequest, { store, state }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  const heartbeat = parseJsonBody(request, HeartbeatRequestSchema);
  const commands = store.heartbeats.record(agentId, heartbeat, state.nowIso());
  const body: HeartbeatResponse = { commands };
  return { status: 200, body, note: `heartbeat from ${agentId}, ${commands.length} command(s) handed over` };
}
