/** The CLI's view of a mapping file: the engine's reader, its errors as CLI exit codes. */
import type { MappingConfig } from '../../api/index.ts';
import { readMappingFile } from '../../transforms/mapping/mapping-file.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

export function loadMappingFile(file: string): Promise<MappingConfig> {
  try {
    return Promise.resolve(readMappingFile(file));
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    const exit = error.code === 'mapping_file_missing' ? ExitCode.usage : ExitCode.config;
    throw new CliError(exit, error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });
  }
}
