/**
 * The mapping evaluator (jsonata, decimal.js, the worker pool) and the rules validator (ajv) load
 * when a stream first names a mapping or rules file, not when the agent starts: an agent without
 * mappings or rules keeps them out of its memory (bench/footprint). The agent loads them at start,
 * beside the first reference-data refresh (AgentPipeline.startRefreshing: 0.17–0.22 s as built on a
 * 2-core machine at load 17); a stream added by a config change waits for them once, at its first page.
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
