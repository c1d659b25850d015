import { HeartbeatRequestSchema, type CloudCommand, type HeartbeatResponse } from '../agents/api/cloud.ts';
import type { CloudKey } from './cloud-key.ts';
import type { CloudReply, CloudRequest, CloudServices } from './cloud-types.ts';
import { parseJsonBody, requireOwnAgent } from './request-parsing.ts';
import type { CommandSignature } from './store/heartbeat-repo.ts';

/**
 * A command as it goes on the wire: `sig` is the cloud's Ed25519 signature over the RFC 8785 JSON of
 * the command without `sig`. Tests may ask for a missing or a wrong signature (over other content).
 */
export function signedCommand(key: CloudKey, command: CloudCommand, signature: CommandSignature): CloudCommand {
  const { sig: _ignored, ...unsigned } = command;
  switch (signature) {
    case 'missing':
      return unsigned;
    case 'invalid':
      return { ...unsigned, sig: key.sign({ ...unsigned, args: { ...unsigned.args, tampered: true } }) };
    case 'valid':
      return { ...unsigned, sig: key.sign(unsigned) };
  }
}

/**
 * `POST /v1/agents/{agentId}/heartbeat`: stored as received with its acks; answers with the queued
 * commands (each once, signed), the floors of the agent's entities and the newest audit head stored.
 */
export function receiveHeartbeat(request: CloudRequest, { store, state, tunnels }: CloudServices): CloudReply {
  const agentId = requireOwnAgent(request);
  const heartbeat = parseJsonBody(request, HeartbeatRequestSchema);
  const { commands, auditHeadAck } = store.db.transaction(() => ({
    commands: store.heartbeats.record(
      agentId,
      heartbeat,
      state.nowIso(),
      (command, signature) => signedCommand(store.cloudKey, command, signature),
      tunnels.isConnected(agentId),
    ),
    auditHeadAck: store.agents.recordAuditHead(agentId, heartbeat.auditHead),
  }))();
  const body: HeartbeatResponse = { commands, seqFloors: store.seqFloors(agentId), auditHeadAck };
  return {
    status: 200,
    body,
    note: `heartbeat from ${agentId} (${heartbeat.channel}, ${heartbeat.acks.length} ack(s)), ${commands.length} command(s) handed over`,
  };
}
