/** The `writeback` section of the agent's config: where the cloud's write-back items go (docs/writeback.md). */
import { z } from 'zod';
import { BrokerPasswordSchema, BrokerUrlSchema } from './sink-config.ts';

export const WRITEBACK_POLICIES = ['cloud-wins', 'premises-wins', 'newest', 'merge', 'manual'] as const;
export type WritebackPolicy = (typeof WRITEBACK_POLICIES)[number];

/** Per field, for `merge` when both sides changed it: which side's value wins. */
export const MergeRuleSchema = z.enum(['cloud', 'premises']);
export type MergeRule = z.infer<typeof MergeRuleSchema>;

export const ReadBackSchema = z.object({
  source: z.string().min(1),
  stream: z.string().min(1),
  /** Columns of the stream's row that make the key, in the item's `key` field names. */
  key: z.array(z.string().min(1)).min(1),
});

const TargetCommon = {
  /** Equals the item's `target`. */
  name: z.string().min(1),
  /** item field -> target column (odbc) or output field name (folder). */
  columns: z.record(z.string(), z.string().min(1)),
  readBack: ReadBackSchema.optional(),
  policy: z.enum(WRITEBACK_POLICIES).default('manual'),
  /** `newest`: the premises row's timestamp column compared with the item's createdAt. */
  newestColumn: z.string().optional(),
  /** `merge`: the side that wins a field both sides changed; fields absent here default to `mergeDefault`. */
  merge: z.record(z.string(), MergeRuleSchema).default({}),
  mergeDefault: MergeRuleSchema.default('cloud'),
};

export const OdbcWritebackTargetSchema = z.object({
  ...TargetCommon,
  type: z.literal('odbc'),
  /** The configured ODBC source whose connection is used. */
  source: z.string().min(1),
  table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a plain table name'),
  /** The column that holds the item id; it must be UNIQUE in the table. */
  idColumn: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain column name'),
  /**
   * The column that tells the ERP's importer `upsert` or `delete`. Without it the target takes upserts
   * only: a delete item is reported failed (`delete_unsupported`), never written as if it were a row.
   */
  opColumn: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain column name').optional(),
});

export const FolderWritebackTargetSchema = z.object({
  ...TargetCommon,
  type: z.literal('folder'),
  path: z.string().min(1),
});

/** A RabbitMQ exchange: each item one persistent message, its id the message id (docs/writeback.md). */
export const RabbitmqWritebackTargetSchema = z.object({
  ...TargetCommon,
  type: z.literal('rabbitmq'),
  url: BrokerUrlSchema,
  password: BrokerPasswordSchema.optional(),
  exchange: z.string().min(1).max(255),
  /** Default: the target's name. */
  routingKey: z.string().max(255).optional(),
});

export const WritebackTargetSchema = z.discriminatedUnion('type', [OdbcWritebackTargetSchema, FolderWritebackTargetSchema, RabbitmqWritebackTargetSchema]);
export type WritebackTarget = z.infer<typeof WritebackTargetSchema>;
export type OdbcWritebackTarget = z.infer<typeof OdbcWritebackTargetSchema>;
export type FolderWritebackTarget = z.infer<typeof FolderWritebackTargetSchema>;
export type RabbitmqWritebackTarget = z.infer<typeof RabbitmqWritebackTargetSchema>;

export const WritebackConfigSchema = z.object({
  pollSecs: z.number().int().positive().default(30),
  targets: z.array(WritebackTargetSchema).default([]),
});
export type WritebackConfig = z.infer<typeof WritebackConfigSchema>;
