/** One ODBC stream of a source's config: which table, how changes are found, how rows are paged. */
import { z } from 'zod';
import { IdentifierSchema, SlugSchema } from './config-primitives.ts';
import { LaneSchema } from './records.ts';
import { CronSchema } from './schedule.ts';

/** How a stream finds changes (issue 3): see agents/sources/odbc/README.md. */
export const OdbcStreamModeSchema = z.enum(['cursor', 'append', 'snapshot']);
export type OdbcStreamMode = z.infer<typeof OdbcStreamModeSchema>;

export const OdbcStreamSchema = z
  .object({
    /** Stream name as the cloud sees it, e.g. `sales_receipts`. */
    name: SlugSchema,
    /** Table to read (optionally schema-qualified). */
    table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/),
    /** Primary key columns: the record key and the keyset tiebreak. */
    keyColumns: z.array(IdentifierSchema).min(1),
    /**
     * `cursor` (the default): rows whose cursor columns grew; `append`: rows whose key grew (inserts
     * only); `snapshot`: the whole table compared with the last snapshot by keyed hashes, which
     * also finds updates without a cursor and deletes.
     */
    mode: OdbcStreamModeSchema.optional(),
    /** Cursor mode: a column that grows on every insert/update (an updated-at timestamp or a monotonic id). */
    cursorColumn: IdentifierSchema.optional(),
    /** Cursor mode: several cursor columns, compared in this order (instead of `cursorColumn`). */
    cursorColumns: z.array(IdentifierSchema).min(1).max(4).optional(),
    /**
     * Cursor mode with a timestamp cursor: every read also looks again at rows up to this many
     * seconds older than the newest one read, for transactions that commit late.
     */
    lookbackSecs: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional(),
    /** Snapshot mode: how the table is cut into chunks whose checksums are compared. */
    snapshot: z
      .object({
        /** Each chunk's checksum query should take about this long (pt-table-checksum's 0.5 s). */
        chunkTargetMs: z.number().int().min(10).max(60_000).default(500),
        minChunkRows: z.number().int().min(1).max(10_000_000).default(1_000),
        maxChunkRows: z.number().int().min(1).max(10_000_000).default(200_000),
        /**
         * A differing chunk is split until at most this many rows, then compared row by row; on a
         * single integer key, the size of the parts whose sums one query returns (bucket-sums.ts).
         */
        leafRows: z.number().int().min(1).max(10_000).default(64),
      })
      .strict()
      .refine((s) => s.minChunkRows <= s.maxChunkRows, { message: 'minChunkRows must not exceed maxChunkRows' })
      .optional(),
    /** Start a new read of this stream at most this often (default: whenever the source reads). */
    intervalSecs: z
      .number()
      .positive()
      .max(7 * 86_400)
      .optional(),
    /** Start a new read of this stream at these times instead (e.g. a snapshot diff nightly: "0 2 * * *"), in the source's schedule zone. */
    readAt: CronSchema.optional(),
    /**
     * Cursor and append mode: rows with the same value here are one group (the lines of one journal
     * entry), sent and judged together; a page is never cut inside a group (docs/validation.md).
     */
    groupColumn: IdentifierSchema.optional(),
    lane: LaneSchema.default('bulk'),
    /** Rows fetched per query: memory stays bounded by this (DESIGN.md §5). */
    pageRows: z.number().int().min(1).max(10_000).default(500),
  })
  .strict()
  .superRefine((stream, ctx) => {
    const mode = stream.mode ?? 'cursor';
    const cursorGiven = stream.cursorColumn !== undefined || stream.cursorColumns !== undefined;
    if (mode === 'cursor' && (stream.cursorColumn === undefined) === (stream.cursorColumns === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cursorColumn'],
        message: 'cursor mode needs either "cursorColumn" or "cursorColumns"',
      });
    }
    if (mode !== 'cursor' && cursorGiven) {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `${mode} mode reads no cursor column: remove "cursorColumn"/"cursorColumns" or use mode "cursor"`,
      });
    }
    if (mode !== 'cursor' && stream.lookbackSecs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['lookbackSecs'], message: '"lookbackSecs" belongs to cursor mode' });
    }
    if (stream.intervalSecs !== undefined && stream.readAt !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['readAt'],
        message: 'give either "intervalSecs" or "readAt" for a stream, not both',
      });
    }
    if (mode === 'snapshot' && stream.groupColumn !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['groupColumn'], message: '"groupColumn" belongs to cursor and append mode (a snapshot diff finds rows by key ranges, not by entry)' });
    }
    if (mode !== 'snapshot' && stream.snapshot !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: '"snapshot" settings belong to snapshot mode' });
    }
  });
export type OdbcStreamConfig = z.infer<typeof OdbcStreamSchema>;
