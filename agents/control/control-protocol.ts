/**
 * The local control API's wire contract (DESIGN.md §6), shared by the server and the client: the
 * discovery file, request bodies, and the `{ok, value} | {ok: false, error}` envelope.
 */
import { z } from 'zod';
import type { AgentStatus } from '../api/index.ts';

export const CONTROL_API_PREFIX = '/api/v1';
export const CONTROL_FILE_NAME = 'control.json';

/** `dataDir/control.json`: how a local client finds and authenticates to the running agent. */
export const ControlFileSchema = z.object({
  port: z.number().int().min(1).max(65_535),
  token: z.string().min(32),
  pid: z.number().int().positive(),
  startedAt: z.iso.datetime({ offset: true }),
  version: z.string(),
});
export type ControlFile = z.infer<typeof ControlFileSchema>;

export const SyncRequestSchema = z.strictObject({ source: z.string().min(1).optional() });

export const DeadLetterIdsRequestSchema = z.strictObject({
  ids: z.union([z.literal('all'), z.array(z.number().int().positive()).min(1).max(10_000)]),
});
export type DeadLetterIds = z.infer<typeof DeadLetterIdsRequestSchema>['ids'];

export const DeadLetterQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const ControlErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ControlError = z.infer<typeof ControlErrorSchema>;

export const ControlResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ControlErrorSchema }),
]);
export type ControlResult<T> = { ok: true; value: T } | { ok: false; error: ControlError };

/** What the engine supplies; the control server only authenticates, parses and routes. */
export interface ControlHandlers {
  status(): AgentStatus | Promise<AgentStatus>;
  syncNow(source?: string): Promise<void>;
  listDeadLetters(limit: number): Promise<unknown[]>;
  replayDeadLetters(ids: DeadLetterIds): Promise<number>;
  discardDeadLetters(ids: DeadLetterIds): Promise<number>;
  /** Acknowledges events (never conditions); absent on agents that cannot (control-alert-routes.ts). */
  acknowledgeAlerts?(codes: AlertCodes): Promise<AcknowledgeAlertsResult>;
}

export const AcknowledgeAlertsRequestSchema = z.strictObject({
  codes: z.union([z.literal('all'), z.array(z.string().min(1).max(500)).min(1).max(1_000)]),
});
export type AlertCodes = z.infer<typeof AcknowledgeAlertsRequestSchema>['codes'];

export const AcknowledgeAlertsResultSchema = z.object({
  acknowledged: z.array(z.string()),
  conditions: z.array(z.string()),
  unknown: z.array(z.string()),
});
export type AcknowledgeAlertsResult = z.infer<typeof AcknowledgeAlertsResultSchema>;
