/** What arrived and what waits: files, queue, shifts, activity, the 24-hour history. */
import { z } from 'zod';
import { ActivityEntrySchema, ActivityKindSchema, CompletenessRowSchema, FileEntrySchema, HistoryPointSchema, QueueViewSchema, ShiftSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

export function dataRoutes(port: DashboardPort | undefined): AnyRoute[] {
  const p = () => requirePort(port);
  return [
    defineRoute({
      method: 'GET',
      path: '/files',
      role: 'viewer',
      tag: 'files',
      summary: 'Recent files per watched folder with their outcome: imported, duplicate, or rejected with the reason.',
      params: NoParams,
      input: z.strictObject({ source: z.string().min(1).optional(), limit: Limit(1000, 200) }),
      output: z.array(FileEntrySchema),
      run: ({ input }) => p().files(input),
    }),
    defineRoute({
      method: 'GET',
      path: '/queue',
      role: 'viewer',
      tag: 'queue',
      summary: 'Queue depth and oldest age per stream, and the dead letters.',
      params: NoParams,
      input: z.strictObject({ limit: Limit(1000, 100) }),
      output: QueueViewSchema,
      run: ({ input }) => p().queue(input.limit),
    }),
    defineRoute({
      method: 'GET',
      path: '/shifts',
      role: 'viewer',
      tag: 'shifts',
      summary: 'Shift-close (Z) reports per register: Z number, total, over/short, upload state.',
      params: NoParams,
      input: z.strictObject({ source: z.string().min(1).optional(), limit: Limit(1000, 200) }),
      output: z.array(ShiftSchema),
      run: ({ input }) => p().shifts(input),
    }),
    defineRoute({
      method: 'GET',
      path: '/activity',
      role: 'viewer',
      tag: 'activity',
      summary: 'What happened, in words, newest first (kept across restarts); filter by kind, source or words in the message.',
      params: NoParams,
      input: z.strictObject({
        kind: ActivityKindSchema.optional(),
        source: z.string().min(1).optional(),
        text: z.string().max(200).optional(),
        limit: Limit(1000, 200),
      }),
      output: z.array(ActivityEntrySchema),
      run: ({ input }) => p().activity(input),
    }),
    defineRoute({
      method: 'GET',
      path: '/history',
      role: 'viewer',
      tag: 'status',
      summary: 'Records delivered per minute and queue depth over the last 24 hours (kept across restarts).',
      params: NoParams,
      input: NoInput,
      output: z.array(HistoryPointSchema),
      run: () => p().history(),
    }),
    defineRoute({
      method: 'GET',
      path: '/completeness',
      role: 'viewer',
      tag: 'completeness',
      summary:
        'Per business day and stream: records and exact money totals read, waiting, delivered and refused, newest day first.',
      params: NoParams,
      input: z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(14) }),
      output: z.array(CompletenessRowSchema),
      run: ({ input }) => p().completeness(input),
    }),
  ];
}
