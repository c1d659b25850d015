/**
 * BIC (ISO 9362): 4 letters of institution, 2-letter country, 2 letters/digits of location, and an
 * optional 3-character branch. The country part must be an ISO 3166 country (XK accepted for Kosovo,
 * which SWIFT uses). Whether the bank exists needs SWIFT's directory and is not checked.
 */
import { failed, type CheckResult } from './check-failure.ts';
import { isCountry } from './countries.ts';

export type BicCode = 'bic_length' | 'bic_format' | 'bic_country';

/** Validates a BIC; on success returns it upper-cased without spaces. */
export function validateBic(text: string, path?: string): CheckResult<string, BicCode> {
  const bic = text.replace(/\s+/g, '').toUpperCase();
  if (bic.length !== 8 && bic.length !== 11) {
    return failed('bic_length', text, `BIC "${text}" has ${bic.length} characters; a BIC has 8 or 11 (for example DEUTDEFF or DEUTDEFF500).`, path);
  }
  if (!/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) {
    return failed('bic_format', text, `BIC "${text}": expected 4 bank letters, 2 country letters, 2 location characters and an optional 3-character branch.`, path);
  }
  const country = bic.slice(4, 6);
  if (!isCountry(country) && country !== 'XK') {
    return failed('bic_country', text, `BIC "${text}": characters 5–6 ("${country}") must be the bank's country code; check them against the bank's details.`, path);
  }
  return { ok: true, value: bic };
}
