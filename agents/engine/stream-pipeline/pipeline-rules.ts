/**
 * The validation side of a stream's pipeline as the engine sees it (agents/transforms/validation/
 * implements it): cleanse one record, validate a page with group rules across its records.
 */
import type { JsonObject, QuarantineReason } from '../../api/index.ts';

export interface RecordToCheck {
  key: JsonObject;
  group?: string | undefined;
  data: JsonObject | undefined;
}

export interface ReferenceRows {
  /** The cached list's rows, or undefined when the list was never fetched. */
  rows(entity: string, list: string): readonly Record<string, string>[] | undefined;
}

export interface PipelineRules {
  cleanse(data: JsonObject): JsonObject;
  validate(records: readonly RecordToCheck[], ctx: { entity: string; reference: ReferenceRows }): QuarantineReason[][];
}

/** Reads and compiles a rules file; throws an error naming the file and what is wrong. */
export type RulesLoader = (file: string) => PipelineRules;
