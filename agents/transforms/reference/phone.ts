/**
 * Phone numbers to E.164 ("+4930123456") given the record's default country. This is a deliberately
 * small normaliser, not libphonenumber (not available here, and its metadata is megabytes): it knows
 * each listed country's calling code and trunk prefix, strips formatting, and checks E.164's overall
 * length (at most 15 digits). It does NOT check number plans per country (a too-short German number
 * passes if it has at least 4 national digits), and knows nothing of extensions or vanity letters.
 */
import { failed, type CheckResult } from './check-failure.ts';

interface Dialling {
  code: string;
  /** National trunk prefixes dropped after the country code (0 in most of Europe, 8 in LT before 2025). */
  trunk: readonly string[];
}

const ZERO = ['0'];
const NONE: readonly string[] = [];

/** Calling codes for the countries the agent is used in and their neighbours; extend as sites appear. */
const DIALLING: Record<string, Dialling> = {
  AT: { code: '43', trunk: ZERO }, BE: { code: '32', trunk: ZERO }, BG: { code: '359', trunk: ZERO },
  CA: { code: '1', trunk: ['1'] }, CH: { code: '41', trunk: ZERO }, CY: { code: '357', trunk: NONE },
  CZ: { code: '420', trunk: NONE }, DE: { code: '49', trunk: ZERO }, DK: { code: '45', trunk: NONE },
  EE: { code: '372', trunk: NONE }, ES: { code: '34', trunk: NONE }, FI: { code: '358', trunk: ZERO },
  FR: { code: '33', trunk: ZERO }, GB: { code: '44', trunk: ZERO }, GR: { code: '30', trunk: NONE },
  HR: { code: '385', trunk: ZERO }, HU: { code: '36', trunk: ['06'] }, IE: { code: '353', trunk: ZERO },
  // Italy keeps the leading 0 of landlines after +39: it is part of the number, not a trunk prefix.
  IT: { code: '39', trunk: NONE }, LT: { code: '370', trunk: ['0', '8'] }, LU: { code: '352', trunk: NONE },
  LV: { code: '371', trunk: NONE }, MT: { code: '356', trunk: NONE }, NL: { code: '31', trunk: ZERO },
  NO: { code: '47', trunk: NONE }, PL: { code: '48', trunk: NONE }, PT: { code: '351', trunk: NONE },
  RO: { code: '40', trunk: ZERO }, SE: { code: '46', trunk: ZERO }, SI: { code: '386', trunk: ZERO },
  SK: { code: '421', trunk: ZERO }, UA: { code: '380', trunk: ZERO }, US: { code: '1', trunk: ['1'] },
  AU: { code: '61', trunk: ZERO }, NZ: { code: '64', trunk: ZERO }, JP: { code: '81', trunk: ZERO },
  CN: { code: '86', trunk: ZERO }, IN: { code: '91', trunk: ZERO }, TR: { code: '90', trunk: ZERO },
  IL: { code: '972', trunk: ZERO }, ZA: { code: '27', trunk: ZERO }, BR: { code: '55', trunk: ZERO },
  MX: { code: '52', trunk: NONE }, AE: { code: '971', trunk: ZERO }, SG: { code: '65', trunk: NONE },
};

export const PHONE_COUNTRIES: readonly string[] = Object.keys(DIALLING).sort();

export type PhoneCode = 'phone_characters' | 'phone_country' | 'phone_length';

const MIN_NATIONAL_DIGITS = 4;
const MAX_E164_DIGITS = 15;

/**
 * Normalises a phone number to E.164. A number written internationally (+…, 00…) keeps its own country
 * code; otherwise the default country's code is put in front after dropping its trunk prefix.
 */
export function normalisePhone(text: string, defaultCountry: string, path?: string): CheckResult<string, PhoneCode> {
  const compact = text.trim().replace(/[\s\-./()\u00a0]+/g, '');
  if (!/^\+?[0-9]+$/.test(compact)) {
    return failed('phone_characters', text, `phone "${text}": only digits, spaces, dashes, dots, parentheses and a leading + are understood; remove letters or extensions.`, path);
  }
  let international: string | undefined;
  if (compact.startsWith('+')) international = compact.slice(1);
  else if (compact.startsWith('00')) international = compact.slice(2);
  if (international !== undefined) return checked(`+${international}`, text, path);
  const dialling = DIALLING[defaultCountry];
  if (dialling === undefined) {
    return failed('phone_country', text, `phone "${text}" has no country code and the default country "${defaultCountry}" is not in the calling-code table; write it as +<country code>… or add the country.`, path);
  }
  const trunk = dialling.trunk.find((prefix) => compact.startsWith(prefix));
  const national = trunk === undefined ? compact : compact.slice(trunk.length);
  return checked(`+${dialling.code}${national}`, text, path);
}

function checked(e164: string, text: string, path: string | undefined): CheckResult<string, PhoneCode> {
  const digits = e164.length - 1;
  if (digits > MAX_E164_DIGITS || digits < MIN_NATIONAL_DIGITS + 1 || e164.startsWith('+0')) {
    return failed('phone_length', text, `phone "${text}" becomes ${e164}, which cannot be a phone number (E.164 allows up to ${MAX_E164_DIGITS} digits and no leading 0 after +); check for missing or extra digits.`, path);
  }
  return { ok: true, value: e164 };
}
