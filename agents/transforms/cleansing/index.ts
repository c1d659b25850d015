export { cleanText } from './clean-text.ts';
export type { CleanTextOptions } from './clean-text.ts';
export { formatPostcode, POSTCODE_COUNTRIES } from './postcode.ts';
export type { Postcode, PostcodeCode } from './postcode.ts';
export { DATE_FORMATS, normaliseDate } from './normalise-date.ts';
export type { DateCode, DateFormat } from './normalise-date.ts';
export { findDuplicates } from './find-duplicates.ts';
export type { Duplicate, DuplicateCode, DuplicateReport, MissingKey } from './find-duplicates.ts';
