/**
 * The WebSocket tunnel's messages (cloud-api.md § Heartbeat and commands), as zod schemas: the agent
 * parses what the cloud sends with these and the sandbox parses what the agent sends, one truth for both.
 */
import { z } from 'zod';
import { CloudCommandSchema, CommandAckSchema, HeartbeatRequestSchema } from './cloud.ts';

/** Agent → cloud whenever its status changes: the heartbeat body (acks travel as `ack` messages instead). */
export const TunnelStatusMessageSchema = HeartbeatRequestSchema.omit({ acks: true }).extend({
  type: z.literal('status'),
});
export type TunnelStatusMessage = z.infer<typeof TunnelStatusMessageSchema>;

/** What the agent may send on the tunnel: a command's ack, or its status. */
export const AgentTunnelMessageSchema = z.union([CommandAckSchema, TunnelStatusMessageSchema]);
export type AgentTunnelMessage = z.infer<typeof AgentTunnelMessageSchema>;

/** What the cloud sends on the tunnel: signed commands (cloud-api.md § Cloud signatures). */
export const CloudTunnelMessageSchema = CloudCommandSchema;
export type CloudTunnelMessage = z.infer<typeof CloudTunnelMessageSchema>;

/** Close codes of the tunnel beyond RFC 6455's own. */
export const TunnelCloseCodes = {
  /** The bearer token expired (or is not valid any more): reconnect with a fresh one. */
  tokenExpired: 4001,
  /** The cloud revoked this agent: do not reconnect until enrolled again. */
  revoked: 4003,
  /** Another tunnel for the same agent took over. */
  replaced: 4009,
} as const;

/** `/v1/agents/{agentId}/tunnel`. */
export function tunnelPath(agentId: string): string {
  return `/v1/agents/${encodeURIComponent(agentId)}/tunnel`;
}
