/** Quarantine (docs/quarantine.md): records stopped by their mapping or validation, and what a person does with them. */
import { z } from 'zod';
import { QuarantineEntrySchema, QuarantineFilterSchema, QuarantineStreamSummarySchema, ReplayResultSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const IdParams = z.strictObject({ id: z.coerce.number().int().min(1) });
const Ids = z.union([z.literal('all'), z.array(z.number().int().min(1)).min(1).max(10_000)]);
const Selection = z.strictObject({ ids: Ids, source: z.string().min(1).optional(), stream: z.string().min(1).optional() });

export function quarantineRoutes(port: DashboardPort | undefined): AnyRoute[] {
  const q = () => requirePort(port).quarantine;
  return [
    defineRoute({
      method: 'GET', path: '/quarantine', role: 'viewer', tag: 'quarantine',
      summary: 'Quarantined records, newest first, with the reasons (code, field, value, message) and their status.',
      params: NoParams, input: QuarantineFilterSchema, output: z.array(QuarantineEntrySchema),
      run: ({ input }) => q().list(input),
    }),
    defineRoute({
      method: 'GET', path: '/quarantine/summary', role: 'viewer', tag: 'quarantine',
      summary: 'Per stream: how many records wait (quarantined, held) and whether a spike paused it.',
      params: NoParams, input: z.strictObject({}), output: z.array(QuarantineStreamSummarySchema),
      run: () => q().summary(),
    }),
    defineRoute({
      method: 'GET', path: '/quarantine/{id}', role: 'viewer', tag: 'quarantine',
      summary: 'One quarantined record: the data as read, the first version if edited, and why it was stopped.',
      params: IdParams, input: z.strictObject({}), output: QuarantineEntrySchema,
      run: ({ params }) => q().get(params.id),
    }),
    defineRoute({
      method: 'PUT', path: '/quarantine/{id}/data', role: 'operator', tag: 'quarantine',
      summary: 'Corrects the record as read; it is mapped and validated again when replayed. Recorded in the audit log.',
      params: IdParams, input: z.strictObject({ data: z.record(z.string(), z.json()) }), output: QuarantineEntrySchema,
      run: ({ params, input }) => q().edit(params.id, input.data),
    }),
    defineRoute({
      method: 'POST', path: '/quarantine/replay', role: 'operator', tag: 'quarantine',
      summary: 'Replays records (a group whole) through the current mapping and rules: queued with their original seq, superseded when a newer change exists, or left with new reasons.',
      params: NoParams, input: Selection, output: ReplayResultSchema,
      run: ({ input }) => q().replay(input.ids, scopeOf(input)),
    }),
    defineRoute({
      method: 'POST', path: '/quarantine/discard', role: 'operator', tag: 'quarantine',
      summary: 'Discards records for good (they are never sent). Recorded in the audit log.',
      params: NoParams, input: Selection, output: z.number().int(),
      run: ({ input }) => q().discard(input.ids, scopeOf(input)),
    }),
    defineRoute({
      method: 'POST', path: '/streams/{source}/{stream}/resend', role: 'admin', tag: 'quarantine',
      summary: "Re-reads a stream from the start and sends it under its current mapping with the stream's schemaVersion raised.",
      params: z.strictObject({ source: z.string().min(1), stream: z.string().min(1) }), input: z.strictObject({}),
      output: z.object({ schemaVersion: z.number().int() }),
      run: async ({ params }) => ({ schemaVersion: await requirePort(port).resendStream(params.source, params.stream) }),
    }),
  ];
}

function scopeOf(input: { source?: string | undefined; stream?: string | undefined }): { source?: string; stream?: string } {
  return { ...(input.source === undefined ? {} : { source: input.source }), ...(input.stream === undefined ? {} : { stream: input.stream }) };
}
