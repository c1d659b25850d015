/**
 * ISO 4217 active currency codes with their minor units (digits after the decimal point), written from
 * the standard's list one (state of 2025: HRK, SLL and ZWL withdrawn; VED, XCG, ZWG added; ANG kept while
 * it is still listed beside XCG). Codes whose minor unit the standard gives as "N.A." (precious metals,
 * SDR, testing and "no currency" codes) have `null`: any scale is accepted for them.
 */
import { checkFailure, type CheckFailure } from './check-failure.ts';

const BY_UNITS: Record<string, string> = {
  '0': 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF',
  '2':
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY ' +
    'COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR ' +
    'IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN ' +
    'NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB ' +
    'TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG',
  '3': 'BHD IQD JOD KWD LYD OMR TND',
  '4': 'CLF UYW',
  none: 'XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX',
};

const MINOR_UNITS: ReadonlyMap<string, number | null> = new Map(
  Object.entries(BY_UNITS).flatMap(([units, codes]) =>
    codes.split(' ').map((code): [string, number | null] => [code, units === 'none' ? null : Number(units)]),
  ),
);

/** Every active code, sorted. */
export const CURRENCY_CODES: readonly string[] = [...MINOR_UNITS.keys()].sort();

export function isCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/** Digits after the point; `null` when the standard has none (XAU, XDR…); `undefined` for an unknown code. */
export function currencyMinorUnits(code: string): number | null | undefined {
  return MINOR_UNITS.get(code);
}

export type AmountCode = 'unknown_currency' | 'not_a_decimal' | 'too_many_decimals';

const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;

/**
 * Checks a decimal string amount against its currency's minor units. Trailing zeros beyond them are
 * accepted (a DECIMAL(18,4) column reads "10.5000" for EUR 10.50); a significant digit beyond them is not.
 * Amounts stay strings: a JS number would already have rounded them.
 */
export function checkAmountScale(amountText: string, currency: string, path?: string): CheckFailure<AmountCode> | undefined {
  const units = currencyMinorUnits(currency);
  if (units === undefined) {
    return checkFailure('unknown_currency', currency, `"${currency}" is not an ISO 4217 currency code; use the three capital letters (EUR, USD, GBP…).`, path);
  }
  const match = DECIMAL.exec(amountText);
  if (match === null) {
    return checkFailure('not_a_decimal', amountText, `amount "${amountText}" is not a plain decimal number (digits, one optional point, no thousands separators).`, path);
  }
  const significant = (match[2] ?? '').replace(/0+$/, '').length;
  if (units !== null && significant > units) {
    const allowed = units === 0 ? 'no decimals' : `at most ${units} decimal${units === 1 ? '' : 's'}`;
    return checkFailure('too_many_decimals', amountText, `amount ${amountText} ${currency} has ${significant} significant decimals; ${currency} allows ${allowed}. Check the amount or its currency.`, path);
  }
  return undefined;
}

/** True when the amount is a decimal string whose significant decimals fit the currency. */
export function hasValidScale(amountText: string, currency: string): boolean {
  return checkAmountScale(amountText, currency) === undefined;
}
