/**
 * Postcodes in each country's written form, for the countries sites are in so far. Input is tolerant of
 * case, spaces and dashes; output is the form the national post prints. A postcode for a country not
 * listed is only cleaned of surrounding whitespace and returned with `known: false`, never refused.
 */
import { failed, type CheckResult } from '../reference/check-failure.ts';

export type PostcodeCode = 'postcode_format';

interface PostcodeRule {
  /** Over the compact form (upper case, no spaces or dashes); groups are put back together by `format`. */
  pattern: RegExp;
  /** Receives the pattern's groups: the first always set, a later one `''` when its optional part is absent. */
  format: (first: string, second: string) => string;
  example: string;
}

// Canadian FSA/LDU letters exclude D F I O Q U everywhere, and W Z in the first position.
const CA_LETTER = '[ABCEGHJ-NPRSTV-Z]';

const RULES: Record<string, PostcodeRule> = {
  GB: { pattern: /^([A-Z]{1,2}[0-9][A-Z0-9]?|GIR)([0-9][A-Z]{2})$/, format: (a, b) => `${a} ${b}`, example: 'SW1A 1AA' },
  // NL: four digits not starting with 0, two letters; SA, SD and SS are not issued.
  NL: { pattern: /^([1-9][0-9]{3})((?!SA|SD|SS)[A-Z]{2})$/, format: (a, b) => `${a} ${b}`, example: '1012 AB' },
  PL: { pattern: /^([0-9]{2})([0-9]{3})$/, format: (a, b) => `${a}-${b}`, example: '00-950' },
  DE: { pattern: /^([0-9]{5})$/, format: (a) => a, example: '10115' },
  US: { pattern: /^([0-9]{5})([0-9]{4})?$/, format: (a, b) => (b === '' ? a : `${a}-${b}`), example: '12345 or 12345-6789' },
  CA: {
    pattern: new RegExp(`^(${CA_LETTER.replace('V-Z', 'VXY')}[0-9]${CA_LETTER})([0-9]${CA_LETTER}[0-9])$`),
    format: (a, b) => `${a} ${b}`,
    example: 'K1A 0B6',
  },
  // Lithuania's post writes LT-12345; the prefix is often left out in ERP data.
  LT: { pattern: /^(?:LT)?([0-9]{5})$/, format: (a) => `LT-${a}`, example: 'LT-01100' },
};

export const POSTCODE_COUNTRIES: readonly string[] = Object.keys(RULES);

export interface Postcode {
  postcode: string;
  /** False when the country has no rule here: the value was only trimmed. */
  known: boolean;
}

export function formatPostcode(text: string, country: string, path?: string): CheckResult<Postcode, PostcodeCode> {
  const rule = RULES[country];
  if (rule === undefined) return { ok: true, value: { postcode: text.trim(), known: false } };
  const compact = text.replace(/[\s-]+/g, '').toUpperCase();
  const match = rule.pattern.exec(compact);
  if (match === null) {
    return failed('postcode_format', text, `postcode "${text}" is not a valid ${country} postcode (expected like ${rule.example}); check the postcode and the country.`, path);
  }
  return { ok: true, value: { postcode: rule.format(match[1] ?? '', match[2] ?? ''), known: true } };
}
