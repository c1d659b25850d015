/**
 * Exports (issue 16 item 3; the `run-export` command of cloud-api.md): a table or a query over one
 * of the agent's ODBC sources, written as CSV or JSON lines with exact values (money and big
 * integers as the database wrote them), uploaded through `PUT /v1/files` with `export=<name>`; run
 * on the cloud's command, on a schedule, or from the CLI into a local file.
 */
import { z } from 'zod';
import { CronSchema } from './schedule.ts';
import { TimeZoneSchema } from './time-zone.ts';

export const ExportConfigSchema = z
  .object({
    /** The name the cloud asks for (`run-export {name}`) and the file carries. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
    /** An ODBC source of this config: its connection and password are used. */
    source: z.string().min(1),
    /** A whole table (`schema.table` or `table`)… */
    table: z.string().min(1).optional(),
    /** …or one SELECT statement (read only: the agent runs it as given, inside a SELECT). */
    query: z.string().min(1).optional(),
    format: z.enum(['csv', 'jsonl']).default('csv'),
    /** Run by itself at these times (five-field cron), in `timeZone` (default: the agent's zone). */
    readAt: CronSchema.optional(),
    timeZone: TimeZoneSchema.optional(),
    /** Rows fetched per round trip: the export streams, whatever its size. */
    fetchRows: z.number().int().min(1).max(100_000).default(2000),
  })
  .strict()
  .refine((e) => (e.table === undefined) !== (e.query === undefined), {
    message: 'give either "table" or "query", not both and not neither',
  })
  .refine((e) => e.query === undefined || /^\s*(select|with)\b/i.test(e.query), {
    message: 'an export query must be one SELECT (or WITH … SELECT) statement',
    path: ['query'],
  });
export type ExportConfig = z.infer<typeof ExportConfigSchema>;

/** What one run of an export produced (the command's ack carries it). */
export const ExportResultSchema = z.object({
  name: z.string(),
  fileName: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  rows: z.number().int(),
  uploaded: z.boolean(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;
