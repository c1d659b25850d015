export { StreamValidator } from './validator.ts';
export { readRulesFile, parseRulesText } from './rules-file.ts';
export { RulesFileError } from './types.ts';
export type { FailureSeverity, RecordToValidate, ReferenceLookup, ValidationContext, ValidationFailure } from './types.ts';
export type { ValidationConfig } from '../../api/index.ts';
