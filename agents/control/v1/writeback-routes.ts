/**
 * Write-back and exchange (docs/writeback.md, docs/rabbitmq.md, docs/sftp.md): what the cloud wrote
 * back and what a person must decide, and the queues and SFTP transfers beside it.
 */
import { z } from 'zod';
import {
  ConfirmOutcomeRequestSchema,
  ExchangeViewSchema,
  ResolveConflictRequestSchema,
  WritebackConflictSchema,
  WritebackDecisionSchema,
  WritebackEntrySchema,
  WritebackListFilterSchema,
} from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const IdParams = z.strictObject({ id: z.string().min(1).max(200) });

export function writebackRoutes(port: DashboardPort | undefined): AnyRoute[] {
  const w = () => requirePort(port).writeback;
  return [
    defineRoute({
      method: 'GET', path: '/writeback', role: 'viewer', tag: 'writeback',
      summary: "The cloud's write-back items, newest first: target, key, seq, the agent's state (applied, conflict-waiting, outcome-unknown…) and the result reported.",
      params: NoParams, input: WritebackListFilterSchema, output: z.array(WritebackEntrySchema),
      run: ({ input }) => w().list(input),
    }),
    defineRoute({
      method: 'GET', path: '/writeback/conflicts', role: 'viewer', tag: 'writeback',
      summary: 'Conflicts waiting for a person: per field the base, cloud and premises values, and which fields both sides changed.',
      params: NoParams, input: z.strictObject({}), output: z.array(WritebackConflictSchema),
      run: () => w().conflicts(),
    }),
    defineRoute({
      method: 'POST', path: '/writeback/{id}/resolve', role: 'operator', tag: 'writeback',
      summary: 'Resolves a waiting conflict per field (cloud, premises, base or a typed value; unlisted fields: cloud). The agent writes it once, reports it and records it in the audit log.',
      params: IdParams, input: ResolveConflictRequestSchema, output: WritebackDecisionSchema,
      run: ({ params, input }) => w().resolve(params.id, input.choice),
    }),
    defineRoute({
      method: 'POST', path: '/writeback/{id}/confirm', role: 'operator', tag: 'writeback',
      summary: 'Says whether an item whose outcome is unknown (the agent stopped mid-write) is in the target: applied, or not applied (it is written again). Audited.',
      params: IdParams, input: ConfirmOutcomeRequestSchema, output: WritebackDecisionSchema,
      run: ({ params, input }) => w().confirm(params.id, input.applied),
    }),
    defineRoute({
      method: 'GET', path: '/exchange', role: 'viewer', tag: 'exchange',
      summary: 'RabbitMQ queues consumed (consumed, redeliveries dropped, poison messages, connection) and SFTP transfers (files fetched with path, size, hash, state; files pushed).',
      params: NoParams, input: z.strictObject({}), output: ExchangeViewSchema,
      run: () => requirePort(port).exchange(),
    }),
  ];
}
