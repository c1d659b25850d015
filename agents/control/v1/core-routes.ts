/** Status, sync, dead letters (the CLI's routes since the first control API) and the live event stream. */
import { z } from 'zod';
import { AgentStatusSchema, LiveEventSchema } from '../../api/index.ts';
import { DeadLetterIdsRequestSchema, SyncRequestSchema, type ControlHandlers } from '../control-protocol.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';

export function coreRoutes(handlers: ControlHandlers): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/status',
      role: 'viewer',
      tag: 'status',
      summary: 'The agent, its cloud connection, queue, sources and alerts, with plain-words messages.',
      params: NoParams,
      input: NoInput,
      output: AgentStatusSchema,
      run: () => handlers.status(),
    }),
    defineRoute({
      method: 'POST',
      path: '/sync',
      role: 'operator',
      tag: 'sources',
      summary: 'Read every source (or one) and send now.',
      params: NoParams,
      input: SyncRequestSchema,
      output: z.null(),
      run: async ({ input }) => {
        await handlers.syncNow(input.source);
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/dlq',
      role: 'viewer',
      tag: 'queue',
      summary: 'Dead letters: changes the cloud refused for good, with the reason.',
      params: NoParams,
      input: z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }),
      output: z.array(z.unknown()),
      run: ({ input }) => handlers.listDeadLetters(input.limit),
    }),
    defineRoute({
      method: 'POST',
      path: '/dlq/replay',
      role: 'operator',
      tag: 'queue',
      summary: 'Put dead letters back in the queue to be sent again; answers how many.',
      params: NoParams,
      input: DeadLetterIdsRequestSchema,
      output: z.number().int().min(0),
      run: ({ input }) => handlers.replayDeadLetters(input.ids),
    }),
    defineRoute({
      method: 'POST',
      path: '/dlq/discard',
      role: 'operator',
      tag: 'queue',
      summary: 'Discard dead letters (kept in the discard audit); answers how many.',
      params: NoParams,
      input: DeadLetterIdsRequestSchema,
      output: z.number().int().min(0),
      run: ({ input }) => handlers.discardDeadLetters(input.ids),
    }),
    defineRoute({
      method: 'GET',
      path: '/events',
      role: 'viewer',
      tag: 'status',
      summary: 'Live events (text/event-stream): each `data:` line is one LiveEvent; refetch what changed.',
      params: NoParams,
      input: NoInput,
      output: LiveEventSchema,
      stream: true,
      // The server answers this route itself: it holds the connection open.
      run: async () => ({ type: 'status' as const, status: await handlers.status() }),
    }),
  ];
}
