/**
 * `mapping preview --rules FILE`: each mapped output is cleansed and validated as the agent would,
 * against the reference lists cached in the data folder (when a config is found), so IT sees input →
 * output → validation side by side before saving (issue 13 item 6).
 */
import { existsSync } from 'node:fs';
import type { MappingPreview } from '../../transforms/mapping/index.ts';
import { RulesFileError } from '../../transforms/validation/index.ts';
import { validatePreviewRows } from '../../engine/stream-pipeline/preview-validation.ts';
import type { ReferenceRows } from '../../engine/stream-pipeline/pipeline-rules.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

export async function validatePreview(preview: MappingPreview, rulesFile: string, configOption: string | undefined): Promise<void> {
  const { entity, reference, close } = await referenceOf(configOption);
  try {
    validatePreviewRows(preview.rows, rulesFile, { entity, reference });
  } catch (error) {
    if (error instanceof RulesFileError) throw new CliError(ExitCode.config, 'rules_file_invalid', error.message);
    throw error;
  } finally {
    close();
  }
}

/** The cached lists of the config's entity, or none (every reference rule then says the list is missing). */
async function referenceOf(configOption: string | undefined): Promise<{ entity: string; reference: ReferenceRows; close: () => void }> {
  const none = { entity: 'default', reference: { rows: () => undefined }, close: () => undefined };
  let loaded;
  try {
    loaded = (await import('../config-option.ts')).resolveConfig(configOption);
  } catch {
    return none;
  }
  const { ReferenceStore, referenceDbPath } = await import('../../reference/index.ts');
  const file = referenceDbPath(loaded.dataDir);
  if (!existsSync(file)) return { ...none, entity: loaded.config.cloud.entity };
  const store = new ReferenceStore(file);
  return { entity: loaded.config.cloud.entity, reference: { rows: (entity, list) => store.get(entity, list)?.items }, close: () => store.close() };
}
