/** The dashboard's mapping editor (docs/quarantine.md "The mapping editor"): list, preview on real rows, save. */
import { z } from 'zod';
import { MappingEntrySchema, MappingPreviewRequestSchema, MappingPreviewViewSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const StreamParams = z.strictObject({ source: z.string().min(1).max(63), stream: z.string().min(1).max(63) });

export function mappingRoutes(port: DashboardPort | undefined): AnyRoute[] {
  const m = () => requirePort(port).mappings;
  return [
    defineRoute({
      method: 'GET', path: '/mappings', role: 'viewer', tag: 'mappings',
      summary: 'Each configured stream pipeline: its source and stream, the mapping file and its text, the rules file.',
      params: NoParams, input: z.strictObject({}), output: z.array(MappingEntrySchema),
      run: () => m().listMappings(),
    }),
    // Operator, not viewer: the preview reads real rows from the source (nothing is written, no checkpoint moves).
    defineRoute({
      method: 'POST', path: '/mappings/preview', role: 'operator', tag: 'mappings',
      summary: 'Tries an unsaved mapping: the checker\'s refusals, or up to 50 rows read from the real source, each input beside its output or error.',
      params: NoParams, input: MappingPreviewRequestSchema, output: MappingPreviewViewSchema,
      run: ({ input }) => m().previewMapping(input),
    }),
    defineRoute({
      method: 'PUT', path: '/mappings/{source}/{stream}', role: 'admin', tag: 'mappings',
      summary: 'Saves a mapping where the config points (400 with the reasons when it does not parse or is refused); applies to the next page read, queued records are not re-mapped. Audited.',
      params: StreamParams, input: z.strictObject({ text: z.string().min(1).max(200_000) }), output: MappingEntrySchema,
      run: ({ params, input }) => m().saveMapping(params.source, params.stream, input.text),
    }),
  ];
}
