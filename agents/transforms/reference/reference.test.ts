import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateBic } from './bic.ts';
import { countryByAlpha2, COUNTRIES, isCountry } from './countries.ts';
import { checkAmountScale, currencyMinorUnits, CURRENCY_CODES, hasValidScale, isCurrency } from './currencies.ts';
import { IBAN_LENGTHS, ibanMod97, ibanPrint, validateIban } from './iban.ts';
import { normalisePhone } from './phone.ts';

describe('ISO 4217 currencies', () => {
  it.each([
    ['EUR', 2], ['USD', 2], ['GBP', 2], ['PLN', 2], ['JPY', 0], ['KRW', 0], ['ISK', 0], ['CLP', 0], ['XOF', 0],
    ['BHD', 3], ['KWD', 3], ['OMR', 3], ['TND', 3], ['JOD', 3], ['IQD', 3], ['LYD', 3], ['CLF', 4], ['UYW', 4],
    ['XAU', null], ['XAG', null], ['XDR', null], ['XXX', null],
  ] as const)('%s has %s minor units', (code, units) => {
    expect(isCurrency(code)).toBe(true);
    expect(currencyMinorUnits(code)).toBe(units);
  });

  it.each(['HRK', 'DEM', 'eur', 'EU', 'EURO', ''])('%j is not an active code', (code) => {
    expect(isCurrency(code)).toBe(false);
    expect(currencyMinorUnits(code)).toBeUndefined();
  });

  it('lists each code once, three capital letters each', () => {
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    expect(CURRENCY_CODES.every((code) => /^[A-Z]{3}$/.test(code))).toBe(true);
    expect(CURRENCY_CODES.length).toBeGreaterThan(170);
  });

  it.each([
    ['10.50', 'EUR', true], ['10.5', 'EUR', true], ['10', 'EUR', true], ['-0.01', 'EUR', true], ['10.5000', 'EUR', true],
    ['10.505', 'EUR', false], ['100', 'JPY', true], ['100.00', 'JPY', true], ['100.5', 'JPY', false],
    ['1.234', 'KWD', true], ['1.2345', 'KWD', false], ['1.2345', 'CLF', true], ['1.23456', 'CLF', false],
    ['0.123456789', 'XAU', true], ['1,50', 'EUR', false], ['1e3', 'EUR', false], ['', 'EUR', false], ['1.50', 'ABC', false],
  ] as const)('%j %s valid scale: %s', (amount, currency, valid) => {
    expect(hasValidScale(amount, currency)).toBe(valid);
  });

  it('says what is wrong with an amount, with the path', () => {
    expect(checkAmountScale('10.505', 'EUR', 'lines[1].amount')).toEqual({
      code: 'too_many_decimals',
      path: 'lines[1].amount',
      value: '10.505',
      message: 'lines[1].amount: amount 10.505 EUR has 3 significant decimals; EUR allows at most 2 decimals. Check the amount or its currency.',
    });
    expect(checkAmountScale('1.5', 'JPY')?.message).toContain('JPY allows no decimals');
    expect(checkAmountScale('1 000.00', 'EUR')?.code).toBe('not_a_decimal');
    expect(checkAmountScale('1.00', 'EURO')?.code).toBe('unknown_currency');
  });
});

describe('ISO 3166-1 countries', () => {
  it('has all 249 codes, each alpha-2, alpha-3 and numeric unique', () => {
    expect(COUNTRIES).toHaveLength(249);
    for (const key of ['alpha2', 'alpha3', 'numeric'] as const) {
      expect(new Set(COUNTRIES.map((c) => c[key])).size).toBe(249);
    }
    expect(COUNTRIES.every((c) => /^[A-Z]{2}$/.test(c.alpha2) && /^[A-Z]{3}$/.test(c.alpha3) && /^\d{3}$/.test(c.numeric))).toBe(true);
  });

  it.each([
    ['DE', 'DEU', '276'], ['GB', 'GBR', '826'], ['LT', 'LTU', '440'], ['AF', 'AFG', '004'], ['AX', 'ALA', '248'],
    ['SS', 'SSD', '728'], ['CW', 'CUW', '531'], ['XK', undefined, undefined], ['UK', undefined, undefined], ['de', undefined, undefined],
  ])('%s → %s %s', (alpha2, alpha3, numeric) => {
    expect(isCountry(alpha2)).toBe(alpha3 !== undefined);
    expect(countryByAlpha2(alpha2)?.alpha3).toBe(alpha3);
    expect(countryByAlpha2(alpha2)?.numeric).toBe(numeric);
  });
});

const VALID_IBANS = [
  'DE89370400440532013000', 'GB82WEST12345698765432', 'NL91ABNA0417164300', 'FR1420041010050500013M02606',
  'BE68539007547034', 'CH9300762011623852957', 'AT611904300234573201', 'NO9386011117947', 'LT121000011101001000',
  'PL61109010140000071219812874', 'ES9121000418450200051332', 'IT60X0542811101000000123456',
  'MT84MALT011000012345MTLCAST001S', 'SA0380000000608010167519',
];

describe('IBAN', () => {
  it('lists only ISO countries (and Kosovo) in the IBAN registry table', () => {
    expect(Object.keys(IBAN_LENGTHS).filter((country) => !isCountry(country))).toEqual(['XK']);
    expect(Object.values(IBAN_LENGTHS).every((length) => length >= 15 && length <= 34)).toBe(true);
  });

  it.each(VALID_IBANS)('%s is valid', (iban) => {
    expect(validateIban(iban)).toEqual({ ok: true, value: iban });
  });

  it('accepts print format and an IBAN prefix, and gives both formats', () => {
    expect(validateIban('iban: de89 3704 0044 0532 0130 00')).toEqual({ ok: true, value: 'DE89370400440532013000' });
    expect(ibanPrint('DE89370400440532013000')).toBe('DE89 3704 0044 0532 0130 00');
  });

  it.each([
    ['DE89 3704 0044 0532 0130 01', 'iban_check_digits', 'IBAN DE89 3704 0044 0532 0130 01: check digits do not match; a typo?'],
    ['DE89 3704 0044 0532 0130 0', 'iban_length', 'an IBAN from DE has 22 characters, this one has 21 (1 character(s) missing)'],
    ['ZZ89 3704 0044 0532 0130 00', 'iban_country', '"ZZ" is not a country that uses IBANs'],
    ['US12 3456 7890', 'iban_country', '"US" is not a country'],
    ['DE89 3704 0044 0532 0130 0Ö', 'iban_characters', 'letters and digits only'],
    ['3704 0044 0532 0130 00', 'iban_characters', 'missing country code'],
  ])('%s fails with %s', (text, code, message) => {
    const result = validateIban(text, 'supplier.iban');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code, path: 'supplier.iban', value: text });
    expect(result.error.message).toContain(message);
  });

  // Random registry IBANs with digit BBANs, their check digits computed here.
  const anyIban = fc
    .constantFrom(...Object.entries(IBAN_LENGTHS))
    .chain(([country, length]) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 4, maxLength: length - 4 }).map((d) => `${country}00${d.join('')}`))
    .map((draft) => `${draft.slice(0, 2)}${String(98 - ibanMod97(draft)).padStart(2, '0')}${draft.slice(4)}`);

  it('property: every well-formed IBAN passes, and changing any one digit makes it fail', () => {
    fc.assert(
      fc.property(anyIban, fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, at, delta) => {
        expect(validateIban(iban).ok).toBe(true);
        const position = 2 + (at % (iban.length - 2));
        const changed = iban.slice(0, position) + String((Number(iban[position]) + delta) % 10) + iban.slice(position + 1);
        const result = validateIban(changed);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('iban_check_digits');
      }),
      { numRuns: 500 },
    );
  });

  it('property: swapping two different adjacent digits of a valid IBAN makes it fail', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_IBANS), fc.nat(), (iban, at) => {
        const position = 4 + (at % (iban.length - 5));
        const a = iban[position] ?? '';
        const b = iban[position + 1] ?? '';
        fc.pre(a !== b && /\d/.test(a) && /\d/.test(b));
        expect(validateIban(iban.slice(0, position) + b + a + iban.slice(position + 2)).ok).toBe(false);
      }),
    );
  });
});

describe('BIC', () => {
  it.each([
    ['DEUTDEFF', 'DEUTDEFF'], ['deut de ff 500', 'DEUTDEFF500'], ['NEDSZAJJXXX', 'NEDSZAJJXXX'], ['ABCDXK22', 'ABCDXK22'],
  ])('%s is valid as %s', (text, bic) => {
    expect(validateBic(text)).toEqual({ ok: true, value: bic });
  });

  it.each([
    ['DEUTDEF', 'bic_length'], ['DEUTDEFF5000', 'bic_length'], ['DEUT1EFF', 'bic_format'], ['DEUTDEFF50!', 'bic_format'],
    ['DEUTZZFF', 'bic_country'], ['DEUTUKFF', 'bic_country'],
  ])('%s fails with %s', (text, code) => {
    const result = validateBic(text, 'bank.bic');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code, path: 'bank.bic', value: text });
  });
});

describe('phone to E.164', () => {
  it.each([
    ['030 1234567', 'DE', '+49301234567'], ['(030) 123-45-67', 'DE', '+49301234567'], ['+49 30 1234567', 'GB', '+49301234567'],
    ['0049 30 1234567', 'FR', '+49301234567'], ['020 7946 0958', 'GB', '+442079460958'], ['06 12345678', 'NL', '+31612345678'],
    ['612 345 678', 'PL', '+48612345678'], ['8 612 34567', 'LT', '+37061234567'], ['0612 34567', 'LT', '+37061234567'],
    ['06 6312 34567', 'IT', '+3906631234567'], ['(212) 555-0123', 'US', '+12125550123'], ['1-212-555-0123', 'US', '+12125550123'],
    ['06 1 234 5678', 'HU', '+3612345678'],
  ])('%s in %s → %s', (text, country, e164) => {
    expect(normalisePhone(text, country)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['030 1234567 ext. 12', 'DE', 'phone_characters'], ['030 1234567', 'XX', 'phone_country'], ['+49 1234567890123456', 'DE', 'phone_length'],
    ['0', 'DE', 'phone_length'], ['+0 123456', 'DE', 'phone_length'],
  ])('%s in %s fails with %s', (text, country, code) => {
    const result = normalisePhone(text, country, 'contact.phone');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ code, path: 'contact.phone', value: text });
      expect(result.error.message.startsWith('contact.phone: phone ')).toBe(true);
    }
  });
});
