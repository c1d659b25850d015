/**
 * IBAN validation (ISO 13616) with the lengths of the SWIFT IBAN registry, written from the registry
 * (state of 2025). Checks: country known to the registry, length for that country, two check digits,
 * letters and digits only in the BBAN, and the mod-97 check. It does not check each country's BBAN
 * pattern (which positions are digits) nor whether the bank exists: the mod-97 check already catches
 * any single typo and most swaps.
 */
import { failed, type CheckResult } from './check-failure.ts';

const LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** Registry countries and their IBAN lengths. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = LENGTHS;

export type IbanCode = 'iban_characters' | 'iban_country' | 'iban_length' | 'iban_check_digits';

/** The IBAN as a machine stores it: capital letters and digits, no spaces ("DE89370400440532013000"). */
export function ibanElectronic(text: string): string {
  return text.replace(/^IBAN[\s:]*/i, '').replace(/[\s-]+/g, '').toUpperCase();
}

/** The IBAN as printed on an invoice: groups of four ("DE89 3704 0044 0532 0130 00"). */
export function ibanPrint(text: string): string {
  return ibanElectronic(text).replace(/(.{4})(?=.)/g, '$1 ');
}

/** ISO 7064 mod 97-10 over the rearranged IBAN, in 9-digit chunks so no number ever exceeds 2^53. */
export function ibanMod97(electronic: string): number {
  const rearranged = electronic.slice(4) + electronic.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (let at = 0; at < digits.length; at += 7) {
    remainder = Number(String(remainder) + digits.slice(at, at + 7)) % 97;
  }
  return remainder;
}

/**
 * Validates an IBAN written with or without spaces (and an optional "IBAN" prefix); on success returns
 * the electronic format.
 */
export function validateIban(text: string, path?: string): CheckResult<string, IbanCode> {
  const iban = ibanElectronic(text);
  const shown = `IBAN ${ibanPrint(text)}`;
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(iban)) {
    return failed('iban_characters', text, `${shown}: an IBAN is two letters, two check digits, then letters and digits only; check for a stray character or a missing country code.`, path);
  }
  const country = iban.slice(0, 2);
  const expected = LENGTHS[country];
  if (expected === undefined) {
    return failed('iban_country', text, `${shown}: "${country}" is not a country that uses IBANs; check the first two letters.`, path);
  }
  if (iban.length !== expected) {
    const diff = iban.length < expected ? `${expected - iban.length} character(s) missing` : `${iban.length - expected} character(s) too many`;
    return failed('iban_length', text, `${shown}: an IBAN from ${country} has ${expected} characters, this one has ${iban.length} (${diff}); compare it with the bank statement.`, path);
  }
  if (ibanMod97(iban) !== 1) {
    return failed('iban_check_digits', text, `${shown}: check digits do not match; a typo? Compare it digit by digit with the bank statement.`, path);
  }
  return { ok: true, value: iban };
}

export function isIban(text: string): boolean {
  return validateIban(text).ok;
}
