/** What arrived and what waits: files, queue, shifts, activity, the 24-hour history. */
import { z } from 'zod';
import { ActivityEntrySchema, ActivityKindSchema, CompletenessRowSchema, FileEntrySchema, HistoryPointSchema, QueueViewSchema, ShiftSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const FileParams = z.strictObject({ source: z.string().min(1).max(63), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'the file’s SHA-256 as 64 hex digits') });

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
      method: 'POST',
      path: '/files/{source}/{sha256}/approve',
      role: 'operator',
      tag: 'files',
      summary: 'Approves a file held for approval: it is imported and sent.',
      params: FileParams,
      input: NoInput,
      output: z.null(),
      run: ({ params }) => {
        p().decideFile(params.source, params.sha256, 'approved');
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/files/{source}/{sha256}/reject',
      role: 'operator',
      tag: 'files',
      summary: 'Rejects a file held for approval: it goes to quarantine and nothing of it is sent.',
      params: FileParams,
      input: NoInput,
      output: z.null(),
      run: ({ params }) => {
        p().decideFile(params.source, params.sha256, 'rejected');
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/files/{source}/{sha256}/void',
      role: 'admin',
      tag: 'files',
      summary: "Voids an imported file: deletes for its records are sent to the cloud, and the Activity says who's done it.",
      params: FileParams,
      input: NoInput,
      output: z.null(),
      run: async ({ params }) => {
        await p().voidFile(params.source, params.sha256);
        return null;
      },
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
      summary: "Shift closes per register, from database sources' shift-close documents and from Z-report files in watched folders: Z number, total, over/short, whether every check passed, sent or not.",
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
