/**
 * An IANA time zone in the config: checked when the config is loaded, so a misspelled zone fails
 * validation with a suggestion instead of surfacing later as a source that cannot read its rows.
 */
import { z } from 'zod';
import { closestMatch } from './did-you-mean.ts';

/** True when this runtime's Intl knows the zone (names are case-insensitive, as in IANA). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function timeZoneProblem(zone: string): string {
  const suggestion = closestMatch(zone, [...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return (
    `"${zone}" is not an IANA time zone` +
    (suggestion === undefined ? '.' : `; did you mean "${suggestion}"?`) +
    ' Use a name such as "Europe/Berlin", "America/New_York" or "UTC".'
  );
}

export const TimeZoneSchema = z
  .string()
  .min(1)
  .superRefine((zone, ctx) => {
    if (!isKnownTimeZone(zone)) ctx.addIssue({ code: 'custom', message: timeZoneProblem(zone) });
  });
