/**
 * A folder source's parse options from its config, checked before anything is read: the time zone
 * must be one this system knows, and the CSV profile a built-in name or a valid profile.
 */
import type { FolderSourceConfig } from '../../api/index.ts';
import { builtinCsvProfile, CsvProfileSchema, type ParseOptions } from '../../formats/index.ts';
import { offsetMinutes } from '../../formats/zreport/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';

export function folderParseOptions(config: FolderSourceConfig): ParseOptions {
  const { csvProfile, encoding, timeZone, name } = config;
  try {
    offsetMinutes(0, timeZone);
  } catch {
    throw new PermanentError(
      'config_invalid',
      `sources "${name}": timeZone "${timeZone}" is not an IANA time zone (e.g. Europe/Vienna).`,
    );
  }
  const options: ParseOptions = encoding === undefined ? {} : { encoding };
  if (csvProfile === undefined) return options;
  if (typeof csvProfile === 'string') {
    const profile = builtinCsvProfile(csvProfile);
    if (profile === undefined)
      throw new PermanentError(
        'config_invalid',
        `sources "${name}": csvProfile "${csvProfile}" is not a built-in profile.`,
      );
    return { ...options, profile };
  }
  const parsed = CsvProfileSchema.safeParse(csvProfile);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new PermanentError(
      'config_invalid',
      `sources "${name}": csvProfile is not a valid profile (${problems}).`,
    );
  }
  return { ...options, profile: parsed.data };
}
