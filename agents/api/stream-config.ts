/**
 * What happens to a stream's records between the source and the outbox (issue 13): its mapping, its
 * validation rules, and when a jump in quarantined records pauses it. Files are named relative to the
 * config file and re-read when they change: a saved mapping applies to the next page read, without a
 * restart; records already queued are not re-mapped.
 */
import { z } from 'zod';

export const QuarantineSpikeSchema = z
  .object({
    /** Pause when more than this share of the stream's last `window` records were quarantined. */
    percent: z.number().min(1).max(100).default(20),
    window: z.number().int().min(10).max(100_000).default(500),
    /** …or when more than `count` records were quarantined within `minutes`. */
    count: z.number().int().min(1).max(1_000_000).default(50),
    minutes: z.number().int().min(1).max(24 * 60).default(10),
  })
  .strict();
export type QuarantineSpike = z.infer<typeof QuarantineSpikeSchema>;

export const StreamPipelineConfigSchema = z
  .object({
    source: z.string().min(1),
    stream: z.string().min(1),
    /** A mapping file (docs/mappings.md); absent: records are sent as read. */
    mapping: z.string().min(1).optional(),
    /** A rules file: cleansing, JSON Schema and business rules (docs/validation.md). */
    rules: z.string().min(1).optional(),
    quarantineSpike: QuarantineSpikeSchema.prefault({}),
  })
  .strict();
export type StreamPipelineConfig = z.infer<typeof StreamPipelineConfigSchema>;
