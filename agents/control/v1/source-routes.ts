/** Sources: list, add, edit, remove, test connection, discover tables, preview rows, pause/resume, resync. */
import { z } from 'zod';
import { CatalogTableSchema, ConnectionTestSchema, SourceSummarySchema, TablePreviewSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

/**
 * A source as typed into the form. `config` is checked against the config file's own schema by the
 * agent (so the message names the field); `password` is write-only and goes to the keychain.
 */
export const SourceDraftSchema = z.strictObject({
  config: z.record(z.string(), z.unknown()),
  password: z.string().min(1).max(1024).optional(),
});

const NameParams = z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/) });

export function sourceRoutes(port: DashboardPort | undefined): AnyRoute[] {
  const p = () => requirePort(port);
  return [
    defineRoute({
      method: 'GET',
      path: '/sources',
      role: 'viewer',
      tag: 'sources',
      summary: 'Every configured source with its state, last success and configuration.',
      params: NoParams,
      input: NoInput,
      output: z.array(SourceSummarySchema),
      run: () => p().listSources(),
    }),
    defineRoute({
      method: 'POST',
      path: '/sources',
      role: 'admin',
      tag: 'sources',
      summary: 'Add a source: validated like the config file, written atomically, started without a restart.',
      params: NoParams,
      input: SourceDraftSchema,
      output: SourceSummarySchema,
      run: ({ input }) => p().saveSource(input),
    }),
    defineRoute({
      method: 'PUT',
      path: '/sources/{name}',
      role: 'admin',
      tag: 'sources',
      summary: 'Replace a source’s configuration (it may be renamed); applied without a restart.',
      params: NameParams,
      input: SourceDraftSchema,
      output: SourceSummarySchema,
      run: ({ params, input }) => p().saveSource(input, params.name),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/sources/{name}',
      role: 'admin',
      tag: 'sources',
      summary: 'Remove a source from the config and stop it; what it queued is still sent.',
      params: NameParams,
      input: NoInput,
      output: z.null(),
      run: async ({ params }) => {
        await p().removeSource(params.name);
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/test',
      role: 'admin',
      tag: 'sources',
      summary: 'Test connection for a source as typed (saved or not): which database answered, which tables are readable.',
      params: NoParams,
      input: SourceDraftSchema,
      output: ConnectionTestSchema,
      run: ({ input }) => p().testConnection(input),
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/discover',
      role: 'admin',
      tag: 'sources',
      summary: 'The tables and views an ODBC source as typed can see, marked readable or not.',
      params: NoParams,
      input: SourceDraftSchema,
      output: z.array(CatalogTableSchema),
      run: ({ input }) => p().discoverTables(input),
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/preview',
      role: 'admin',
      tag: 'sources',
      summary: 'The first rows of a table exactly as the agent would send them, with its columns and primary key.',
      params: NoParams,
      input: SourceDraftSchema.extend({
        table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/),
        rows: z.number().int().min(1).max(100).default(10),
      }),
      output: TablePreviewSchema,
      run: ({ input }) => p().previewRows({ config: input.config, password: input.password }, input.table, input.rows),
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/{name}/pause',
      role: 'operator',
      tag: 'sources',
      summary: 'Stop reading this source until resumed (queued changes are still sent).',
      params: NameParams,
      input: NoInput,
      output: z.null(),
      run: ({ params }) => {
        p().setPaused(params.name, true);
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/{name}/resume',
      role: 'operator',
      tag: 'sources',
      summary: 'Resume reading a paused source.',
      params: NameParams,
      input: NoInput,
      output: z.null(),
      run: ({ params }) => {
        p().setPaused(params.name, false);
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/sources/{name}/resync',
      role: 'admin',
      tag: 'sources',
      summary: 'Forget the checkpoint of a source (or one stream) and read it again; the cloud drops what it already has.',
      params: NameParams,
      input: z.strictObject({ stream: z.string().min(1).optional() }),
      output: z.null(),
      run: async ({ params, input }) => {
        await p().resync(params.name, input.stream);
        return null;
      },
    }),
  ];
}
