import type { CsvProfile, CsvProfileInput } from './profile.ts';

/**
 * A profile with the schema's defaults filled in, without loading zod: the file-reading worker
 * thread needs the built-in profiles, and zod costs it about 17 MB of resident memory (issue 10:
 * the agent and its worker stay under 200 MiB). Only for profiles written in this code base, which
 * profile-defaults.test.ts checks against CsvProfileSchema; a profile from a file or the config goes
 * through the schema.
 */
export function withProfileDefaults(input: CsvProfileInput): CsvProfile {
  return {
    quote: '"',
    encoding: 'auto',
    fallbackEncoding: 'windows-1252',
    decimalSeparator: '.',
    thousandsSeparator: '',
    hasHeader: true,
    skipLines: 0,
    headerSignature: [],
    rowOrder: 'ascending',
    ...input,
    columns: { remittance: [], ...input.columns },
  };
}
