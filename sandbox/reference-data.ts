import { createHash } from 'node:crypto';
import type { ReferenceList } from '../agents/api/cloud.ts';

type Row = Record<string, string>;

/** ISO 4217 subset: the currencies the fixtures and demo stores use, plus a few with 0 and 3 minor units. */
const CURRENCIES: [code: string, numeric: string, minorUnits: string, name: string][] = [
  ['AUD', '036', '2', 'Australian dollar'],
  ['BGN', '975', '2', 'Bulgarian lev'],
  ['BHD', '048', '3', 'Bahraini dinar'],
  ['BRL', '986', '2', 'Brazilian real'],
  ['CAD', '124', '2', 'Canadian dollar'],
  ['CHF', '756', '2', 'Swiss franc'],
  ['CNY', '156', '2', 'Renminbi'],
  ['CZK', '203', '2', 'Czech koruna'],
  ['DKK', '208', '2', 'Danish krone'],
  ['EUR', '978', '2', 'Euro'],
  ['GBP', '826', '2', 'Pound sterling'],
  ['HKD', '344', '2', 'Hong Kong dollar'],
  ['HUF', '348', '2', 'Hungarian forint'],
  ['ISK', '352', '0', 'Icelandic króna'],
  ['JPY', '392', '0', 'Japanese yen'],
  ['KWD', '414', '3', 'Kuwaiti dinar'],
  ['MXN', '484', '2', 'Mexican peso'],
  ['NOK', '578', '2', 'Norwegian krone'],
  ['NZD', '554', '2', 'New Zealand dollar'],
  ['PLN', '985', '2', 'Polish złoty'],
  ['RON', '946', '2', 'Romanian leu'],
  ['SEK', '752', '2', 'Swedish krona'],
  ['SGD', '702', '2', 'Singapore dollar'],
  ['USD', '840', '2', 'United States dollar'],
  ['ZAR', '710', '2', 'South African rand'],
];

/** ISO 3166-1 subset with each country's currency. */
const COUNTRIES: [code: string, alpha3: string, currency: string, name: string][] = [
  ['AT', 'AUT', 'EUR', 'Austria'],
  ['AU', 'AUS', 'AUD', 'Australia'],
  ['BE', 'BEL', 'EUR', 'Belgium'],
  ['BR', 'BRA', 'BRL', 'Brazil'],
  ['CA', 'CAN', 'CAD', 'Canada'],
  ['CH', 'CHE', 'CHF', 'Switzerland'],
  ['CZ', 'CZE', 'CZK', 'Czechia'],
  ['DE', 'DEU', 'EUR', 'Germany'],
  ['DK', 'DNK', 'DKK', 'Denmark'],
  ['ES', 'ESP', 'EUR', 'Spain'],
  ['FI', 'FIN', 'EUR', 'Finland'],
  ['FR', 'FRA', 'EUR', 'France'],
  ['GB', 'GBR', 'GBP', 'United Kingdom'],
  ['HK', 'HKG', 'HKD', 'Hong Kong'],
  ['HU', 'HUN', 'HUF', 'Hungary'],
  ['IE', 'IRL', 'EUR', 'Ireland'],
  ['IT', 'ITA', 'EUR', 'Italy'],
  ['JP', 'JPN', 'JPY', 'Japan'],
  ['LU', 'LUX', 'EUR', 'Luxembourg'],
  ['NL', 'NLD', 'EUR', 'Netherlands'],
  ['NO', 'NOR', 'NOK', 'Norway'],
  ['PL', 'POL', 'PLN', 'Poland'],
  ['PT', 'PRT', 'EUR', 'Portugal'],
  ['SE', 'SWE', 'SEK', 'Sweden'],
  ['US', 'USA', 'USD', 'United States'],
];

/** Standard and reduced VAT/GST rates; rates are decimal strings like every exact number on the wire. */
const TAX_CODES: [code: string, country: string, rate: string, name: string][] = [
  ['AT-20', 'AT', '20.00', 'Austria standard VAT'],
  ['AT-10', 'AT', '10.00', 'Austria reduced VAT'],
  ['AU-GST', 'AU', '10.00', 'Australia GST'],
  ['CH-8.1', 'CH', '8.10', 'Switzerland standard VAT'],
  ['CH-2.6', 'CH', '2.60', 'Switzerland reduced VAT'],
  ['DE-19', 'DE', '19.00', 'Germany standard VAT'],
  ['DE-7', 'DE', '7.00', 'Germany reduced VAT'],
  ['DK-25', 'DK', '25.00', 'Denmark VAT'],
  ['FR-20', 'FR', '20.00', 'France standard VAT'],
  ['FR-5.5', 'FR', '5.50', 'France reduced VAT'],
  ['GB-20', 'GB', '20.00', 'United Kingdom standard VAT'],
  ['GB-0', 'GB', '0.00', 'United Kingdom zero-rated'],
  ['HU-27', 'HU', '27.00', 'Hungary standard VAT'],
  ['NL-21', 'NL', '21.00', 'Netherlands standard VAT'],
  ['NL-9', 'NL', '9.00', 'Netherlands reduced VAT'],
  ['PL-23', 'PL', '23.00', 'Poland standard VAT'],
  ['SE-25', 'SE', '25.00', 'Sweden standard VAT'],
  ['EXEMPT', '', '0.00', 'Exempt from VAT'],
];

const ACCOUNTS: [code: string, type: string, name: string][] = [
  ['1000', 'asset', 'Cash'],
  ['1200', 'asset', 'Bank'],
  ['1400', 'asset', 'Receivables'],
  ['1600', 'liability', 'Payables'],
  ['1776', 'liability', 'Output VAT'],
  ['1576', 'asset', 'Input VAT'],
  ['4000', 'revenue', 'Sales'],
  ['4400', 'revenue', 'Sales, reduced VAT'],
  ['5000', 'expense', 'Purchases'],
  ['6800', 'expense', 'Bank fees'],
];

/** Cost centres and accounting periods every entity gets unless it keeps its own. */
const SHARED_COST_CENTRES: Row[] = [
  { code: 'CC-100', name: 'Head office' },
  { code: 'CC-200', name: 'Shop floor' },
];

const SHARED_PERIODS: Row[] = [
  { code: '2026-10', start: '2026-10-01', end: '2026-10-31', status: 'closed' },
  { code: '2026-11', start: '2026-11-01', end: '2026-11-30', status: 'closed' },
  { code: '2026-12', start: '2026-12-01', end: '2026-12-31', status: 'open' },
];

function list(name: string, items: Row[]): ReferenceList {
  return { name, items };
}

const LISTS: ReferenceList[] = [
  list(
    'currencies',
    CURRENCIES.map(([code, numeric, minorUnits, name]) => ({ code, numeric, minorUnits, name })),
  ),
  list(
    'countries',
    COUNTRIES.map(([code, alpha3, currency, name]) => ({ code, alpha3, currency, name })),
  ),
  list(
    'tax-codes',
    TAX_CODES.map(([code, country, rate, name]) => ({ code, country, rate, name })),
  ),
  list(
    'accounts',
    ACCOUNTS.map(([code, type, name]) => ({ code, type, name })),
  ),
  list('cost-centres', SHARED_COST_CENTRES),
  list('periods', SHARED_PERIODS),
];

/**
 * Lists an entity keeps for itself (cloud-api.md § Reference data: "per entity where the entity has
 * its own"): store-1 and store-2 are the entities the tests and demo enroll; others get the shared lists.
 */
const ENTITY_LISTS: Record<string, ReferenceList[]> = {
  'store-1': [
    list('cost-centres', [
      { code: 'S1-TILL', name: 'Store 1 tills' },
      { code: 'S1-CAFE', name: 'Store 1 café' },
    ]),
    list('periods', [
      { code: '2026-11', start: '2026-11-01', end: '2026-11-30', status: 'closed' },
      { code: '2026-12', start: '2026-12-01', end: '2026-12-31', status: 'open' },
    ]),
    // A custom list: the store's ERP tax keys → the cloud's tax codes (a mapping's $refLookup).
    list('tax-code-map', [
      { local: 'V19', code: 'DE-19' },
      { local: 'V7', code: 'DE-7' },
    ]),
  ],
  'store-2': [
    list('cost-centres', [
      { code: 'S2-TILL', name: 'Store 2 tills' },
      { code: 'S2-WH', name: 'Store 2 warehouse' },
      { code: 'S2-OFF', name: 'Store 2 office' },
    ]),
  ],
};

export interface ReferenceRepresentation {
  body: Buffer;
  /** A strong validator: the hash of the exact bytes served. */
  etag: string;
}

function represent(lists: ReferenceList[]): Map<string, ReferenceRepresentation> {
  return new Map(
    lists.map((l) => {
      const body = Buffer.from(JSON.stringify(l));
      return [l.name, { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` }];
    }),
  );
}

const REPRESENTATIONS = represent(LISTS);
const ENTITY_REPRESENTATIONS = new Map(Object.entries(ENTITY_LISTS).map(([entity, lists]) => [entity, represent(lists)]));

/** The entity's own list when it keeps one, else the shared list (or undefined: no such list). */
export function referenceRepresentation(name: string, entity?: string): ReferenceRepresentation | undefined {
  const own = entity === undefined ? undefined : ENTITY_REPRESENTATIONS.get(entity)?.get(name);
  return own ?? REPRESENTATIONS.get(name);
}

export function referenceNames(): string[] {
  return [...REPRESENTATIONS.keys()];
}
