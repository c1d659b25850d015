/**
 * The dashboard's mapping editor (issue 13 items 5–6): the configured stream mappings, a preview of
 * an edited mapping on rows read from the real source, and the save. Shared by the control API and
 * the renderer (which may import only agents/api).
 */
import { z } from 'zod';
import { QuarantineReasonSchema } from './quarantine.ts';

export const MappingEntrySchema = z.object({
  source: z.string(),
  stream: z.string(),
  /** Where the config points (absolute), or null when the streams entry has no mapping yet. */
  mappingFile: z.string().nullable(),
  /** The file's text as saved (comments kept), null when there is no file or it cannot be read. */
  text: z.string().nullable(),
  /** Why the file could not be read, when it could not. */
  readError: z.string().optional(),
  rulesFile: z.string().nullable(),
});
export type MappingEntry = z.infer<typeof MappingEntrySchema>;

/** A reason the save-time checker refuses a mapping, with the target field and expression named. */
export const MappingRefusalSchema = z.object({
  field: z.string(),
  expression: z.string(),
  code: z.string(),
  money: z.string().optional(),
  position: z.number().int().optional(),
  message: z.string(),
});
export type MappingRefusal = z.infer<typeof MappingRefusalSchema>;

export const MappingPreviewRowSchema = z.object({
  key: z.record(z.string(), z.string()),
  op: z.enum(['upsert', 'delete']),
  input: z.record(z.string(), z.json()).nullable(),
  output: z.record(z.string(), z.json()).optional(),
  error: z.object({ code: z.string(), field: z.string().optional(), message: z.string() }).optional(),
  /** With a rules file: the cleansed output's validation failures (empty: it passes). */
  validation: z.array(QuarantineReasonSchema).optional(),
});
export type MappingPreviewRow = z.infer<typeof MappingPreviewRowSchema>;

export const MappingPreviewRequestSchema = z.strictObject({
  source: z.string().min(1),
  stream: z.string().min(1),
  /** The mapping JSON being edited (// comments allowed), not yet saved. */
  mapping: z.string().min(1).max(200_000),
  rows: z.number().int().min(1).max(50).default(10),
});
export type MappingPreviewRequest = z.input<typeof MappingPreviewRequestSchema>;

export const MappingPreviewViewSchema = z.object({
  /** The text does not parse or is not a mapping: the person fixes that first (nothing was run). */
  invalid: z.string().optional(),
  refusals: z.array(MappingRefusalSchema),
  rows: z.array(MappingPreviewRowSchema),
  mapped: z.number().int(),
  failed: z.number().int(),
  /** True when the stream has a rules file the preview could not run (rows then show no validation). */
  rulesNotPreviewed: z.boolean(),
});
export type MappingPreviewView = z.infer<typeof MappingPreviewViewSchema>;
