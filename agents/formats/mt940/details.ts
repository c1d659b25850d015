/** What the `:86:` information to account owner says about an entry. */
export interface EntryDetails {
  counterparty?: string;
  counterpartyAccount?: string;
  remittance?: string;
}

/**
 * Reads the common `:86:` dialects:
 * - German structured (GVC): `166?00UEBERWEISUNG?10931?20SVWZ+…?21…?30BIC?31IBAN?32Name?33Name`, where
 *   `?20`–`?29` and `?60`–`?63` are the remittance lines and line breaks are only wrapping;
 * - Dutch keyword style: `/TRTP/…/CNTP/IBAN/BIC/Name/City/REMI/USTD//text/`;
 * - anything else is free text (line breaks become spaces).
 */
export function parseDetails(value: string): EntryDetails {
  const joined = value.replace(/\r?\n/g, '');
  if (/^\d{3}[?]/.test(joined.trimStart())) return germanStructured(joined.trimStart());
  const flat = collapse(value.replace(/\r?\n/g, ' '));
  if (flat.startsWith('/') && /\/(REMI|CNTP|NAME|IBAN|EREF|TRTP)\//.test(flat)) return dutchKeywords(value.replace(/\r?\n/g, ''));
  return flat === '' ? {} : { remittance: flat };
}

function germanStructured(text: string): EntryDetails {
  const fields = new Map<string, string>();
  const re = /\?(\d{2})/g;
  const marks = [...text.matchAll(re)];
  marks.forEach((mark, i) => {
    const code = mark[1] ?? '';
    const start = (mark.index ?? 0) + mark[0].length;
    const end = marks[i + 1]?.index ?? text.length;
    fields.set(code, (fields.get(code) ?? '') + text.slice(start, end));
  });
  const pick = (codes: string[]) => collapse(codes.map((c) => fields.get(c) ?? '').join(''));
  const remittanceCodes = [...range(20, 29), ...range(60, 63)];
  const details: EntryDetails = {};
  const remittance = pick(remittanceCodes) || pick(['00']);
  const name = pick(['32', '33']);
  const account = pick(['31']);
  if (remittance !== '') details.remittance = remittance;
  if (name !== '') details.counterparty = name;
  if (account !== '') details.counterpartyAccount = account;
  return details;
}

const DUTCH_KEYS = new Set([
  'TRTP', 'CNTP', 'REMI', 'EREF', 'MARF', 'CSID', 'BUSP', 'PURP', 'NAME', 'IBAN', 'BIC', 'ORDP', 'BENM', 'ID', 'ADDR',
  'RTRN', 'ISDT', 'ULTC', 'ULTD', 'PREF', 'CHGS', 'EXCH', 'OCMT', 'SVCL', 'FX',
]);

function dutchKeywords(text: string): EntryDetails {
  const tokens = text.split('/');
  const values = new Map<string, string[]>();
  let key: string | undefined;
  for (const token of tokens.slice(1)) {
    if (DUTCH_KEYS.has(token)) {
      key = token;
      if (!values.has(key)) values.set(key, []);
      continue;
    }
    if (key !== undefined) values.get(key)?.push(token);
  }
  const details: EntryDetails = {};
  const cntp = values.get('CNTP');
  const account = cntp?.[0] ?? values.get('IBAN')?.[0];
  const name = cntp?.[2] ?? values.get('NAME')?.join('/');
  const remi = values.get('REMI');
  if (account !== undefined && account.trim() !== '') details.counterpartyAccount = account.trim();
  if (name !== undefined && collapse(name) !== '') details.counterparty = collapse(name);
  if (remi !== undefined) {
    // `/REMI/USTD//text/`: the first token may be the kind of remittance (USTD, STRD).
    const parts = ['USTD', 'STRD'].includes(remi[0] ?? '') ? remi.slice(1) : remi;
    const textValue = collapse(parts.filter((p) => p !== '').join('/'));
    if (textValue !== '') details.remittance = textValue;
  }
  if (details.remittance === undefined) details.remittance = collapse(text);
  return details;
}

function* range(from: number, to: number): Generator<string> {
  for (let i = from; i <= to; i += 1) yield String(i);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
