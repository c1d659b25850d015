/**
 * Preview with validation (issue 13 item 6): each mapped output cleansed and validated by the stream's
 * rules file, as the agent's pipeline would, so a person sees input → output → validation side by side
 * before saving. Used by `tya-agent mapping preview --rules` and the dashboard's mapping editor.
 */
import type { JsonObject, QuarantineReason, RecordKey } from '../../api/index.ts';
import { readRulesFile, StreamValidator } from '../../transforms/validation/index.ts';
import type { ReferenceRows } from './pipeline-rules.ts';

export interface PreviewedRow {
  key: RecordKey;
  output?: JsonObject;
  validation?: QuarantineReason[];
}

/** Cleanses and validates the rows that mapped (in place); throws RulesFileError when the rules file is wrong. */
export function validatePreviewRows(rows: PreviewedRow[], rulesFile: string, context: { entity: string; reference: ReferenceRows }): void {
  const validator = StreamValidator.fromConfig(readRulesFile(rulesFile), rulesFile);
  const mapped = rows.filter((row) => row.output !== undefined);
  const cleansed = mapped.map((row) => validator.cleanse(row.output!));
  const failures = validator.validate(mapped.map((row, i) => ({ key: row.key, data: cleansed[i] })), context);
  mapped.forEach((row, i) => {
    row.output = cleansed[i]!;
    row.validation = failures[i] ?? [];
  });
}
