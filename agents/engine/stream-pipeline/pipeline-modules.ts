/**
 * The mapping evaluator (jsonata, decimal.js, the worker pool) and the rules validator (ajv) load
 * when a stream first names a mapping or rules file, not when the agent starts: an agent without
 * mappings or rules keeps them out of its memory (bench/footprint). The first page of such a stream
 * waits for the load once (tens of milliseconds); every later page finds them loaded.
 */
import type { StreamPipelineConfig } from '../../api/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type * as MappingModule from '../../transforms/mapping/index.ts';
import type * as ValidationModule from '../../transforms/validation/index.ts';

let mapping: typeof MappingModule | undefined;
let validation: typeof ValidationModule | undefined;

/** Loads what this stream's files need (each module once per process). */
export async function loadPipelineModules(config: Pick<StreamPipelineConfig, 'mapping' | 'rules'>): Promise<void> {
  if (config.mapping !== undefined) mapping ??= await import('../../transforms/mapping/index.ts');
  if (config.rules !== undefined) validation ??= await import('../../transforms/validation/index.ts');
}

function notLoaded(what: string): AgentError {
  return new AgentError('pipeline_module_not_loaded', `The ${what} module was used before it was loaded (loadPipelineModules).`, {
    hint: 'This is a bug in the agent; report it with the log.',
  });
}

export function mappingModule(): typeof MappingModule {
  if (mapping === undefined) throw notLoaded('mapping');
  return mapping;
}

export function validationModule(): typeof ValidationModule {
  if (validation === undefined) throw notLoaded('validation');
  return validation;
}
