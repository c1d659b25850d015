/**
 * Header names banks use for each field, in English, German, French, Spanish, Italian, Dutch, Polish,
 * Lithuanian and the Nordic languages. Written without accents and in lower case: headers are folded
 * the same way (`foldHeader`) before they are looked up, so "Währung", "WAEHRUNG" and "Wahrung" meet.
 */
export type HeaderField =
  | 'bookingDate'
  | 'valueDate'
  | 'amount'
  | 'debit'
  | 'credit'
  | 'creditDebit'
  | 'balance'
  | 'remittance'
  | 'counterparty'
  | 'counterpartyAccount'
  | 'account'
  | 'iban'
  | 'currency'
  | 'reference';

const WORDS: Record<HeaderField, string[]> = {
  bookingDate: [
    // en
    'date', 'created', 'booking date', 'transaction date', 'posting date', 'posted date', 'trans date', 'date posted', 'entry date',
    // de
    'buchungstag', 'buchungsdatum', 'datum', 'buchung', 'buchungsdat',
    // fr
    'date operation', 'date d operation', 'date de l operation', 'date comptable', 'date de comptabilisation',
    // es
    'fecha', 'fecha operacion', 'fecha contable', 'fecha de operacion', 'f operacion',
    // it
    'data', 'data operazione', 'data contabile', 'data registrazione',
    // nl
    'boekingsdatum', 'transactiedatum', 'boekdatum',
    // pl
    'data operacji', 'data ksiegowania', 'data transakcji',
    // lt
    'operacijos data', 'iraso data',
    // sv, da, no, fi
    'bokforingsdag', 'bokforingsdatum', 'transaktionsdag', 'transaktionsdatum', 'dato', 'bogforingsdato', 'bokforingsdato', 'bokfort', 'paivamaara', 'kirjauspaiva', 'pvm',
  ],
  valueDate: [
    'value date', 'valuta', 'valutadatum', 'wertstellung', 'wertstellungsdatum', 'wertstellungstag', 'valuta datum',
    'date de valeur', 'date valeur', 'fecha valor', 'data valuta', 'rentedatum', 'data waluty', 'valiutos data',
    'valutadag', 'valuteringsdato', 'rentedato', 'arvopaiva',
  ],
  amount: [
    'amount', 'transaction amount', 'value', 'betrag', 'umsatz', 'montant', 'importe', 'importo', 'bedrag', 'kwota',
    'kwota operacji', 'kwota transakcji', 'suma', 'belopp', 'belob', 'belop', 'summa', 'maara', 'transaktionsbelopp',
  ],
  debit: [
    'debit', 'debits', 'debit amount', 'withdrawal', 'withdrawals', 'paid out', 'money out', 'out', 'soll', 'belastung',
    'ausgang', 'debet', 'cargo', 'cargos', 'dare', 'addebiti', 'uitgaven', 'obciazenia', 'wyplywy', 'debetas', 'uttag',
    'udbetaling', 'ut', 'ut fra konto', 'ut av konto', 'veloitus', 'debit eur',
  ],
  credit: [
    'credit', 'credits', 'credit amount', 'deposit', 'deposits', 'paid in', 'money in', 'in', 'haben', 'gutschrift',
    'eingang', 'abono', 'abonos', 'avere', 'accrediti', 'inkomsten', 'uznania', 'wplywy', 'kreditas', 'insattning',
    'indbetaling', 'inn', 'inn pa konto', 'hyvitys', 'credit eur',
  ],
  creditDebit: [
    'd c', 'c d', 'dr cr', 'cr dr', 'debit credit', 'credit debit', 'soll haben', 's h', 'af bij', 'bij af', 'd k',
    'k d', 'debetas kreditas', 'debit kredit', 'cd', 'dc', 'sign', 'credit debit indicator', 'debit or credit',
    'obciazenie uznanie', 'deb kred',
  ],
  balance: [
    'balance', 'running balance', 'running bal', 'balance after', 'saldo', 'kontostand', 'solde', 'saldo contable',
    'saldo disponible', 'saldo po operacji', 'saldo po transakcji', 'likutis', 'bokfort saldo', 'saldo efter',
    'saldo na rachunku', 'saldo dopo', 'saldo finale',
  ],
  remittance: [
    'description', 'desc', 'notes', 'details', 'memo', 'narrative', 'payment details', 'transaction description', 'particulars',
    'verwendungszweck', 'buchungstext', 'beschreibung', 'vorgang verwendungszweck', 'text', 'libelle', 'detail',
    'libelle operation', 'concepto', 'descripcion', 'observaciones', 'causale', 'descrizione', 'descrizione operazione',
    'omschrijving', 'mededelingen', 'opis operacji', 'tytul', 'tytul operacji', 'opis', 'paskirtis', 'mokejimo paskirtis',
    'aprasymas', 'meddelande', 'beskrivning', 'tekst', 'beskrivelse', 'forklaring', 'selite', 'selitys', 'viesti', 'rubrik',
  ],
  counterparty: [
    'counterparty', 'payee', 'payer', 'payee payer', 'name', 'beneficiary', 'auftraggeber', 'empfanger', 'empfaenger',
    'beguenstigter zahlungspflichtiger', 'begunstigter zahlungspflichtiger', 'auftraggeber empfanger',
    'name zahlungsbeteiligter', 'zahlungsempfanger', 'auftraggeber zahlungsempfanger', 'beneficiaire', 'tiers',
    'beneficiario', 'ordenante', 'beneficiario ordenante', 'controparte', 'naam', 'naam omschrijving', 'tegenpartij',
    'kontrahent', 'nadawca odbiorca', 'odbiorca nadawca', 'dane kontrahenta', 'gavejas', 'moketojas', 'gavejas moketojas',
    'moketojas gavejas', 'mottagare', 'avsandare', 'modtager', 'mottaker', 'saaja', 'maksaja', 'saaja maksaja',
  ],
  counterpartyAccount: [
    'counterparty account', 'counterparty iban', 'kontonummer iban', 'payee account', 'iban zahlungsbeteiligter', 'konto nr', 'gegenkonto',
    'iban auftraggeber', 'compte contrepartie', 'cuenta contrapartida', 'iban controparte', 'tegenrekening',
    'rachunek kontrahenta', 'numer rachunku', 'numer konta', 'rachunek nadawcy odbiorcy', 'gavejo saskaita',
    'moketojo saskaita', 'mottagarkonto', 'modtagerkonto', 'saajan tilinumero', 'saajan tili',
  ],
  account: [
    'account', 'account number', 'account no', 'kontonummer', 'auftragskonto', 'konto', 'compte', 'numero de compte',
    'cuenta', 'conto', 'rekening', 'rekeningnummer', 'rachunek', 'saskaita', 'saskaitos numeris', 'kontonr', 'tili',
    'tilinumero', 'produkt', 'produit',
  ],
  iban: ['iban', 'iban bic'],
  currency: ['currency', 'ccy', 'cur', 'wahrung', 'waehrung', 'devise', 'monnaie', 'monn', 'moneda', 'divisa', 'valuta', 'waluta', 'valiuta', 'valuutta'],
  reference: [
    'reference', 'ref', 'bank reference', 'transaction id', 'transaction number', 'n de transaction', 'numero de transaction', 'referenz', 'kundenreferenz', 'reference operation', 'referencia',
    'riferimento', 'referentie', 'kenmerk', 'numer referencyjny', 'nuoroda', 'kodas', 'referens', 'viite', 'arkistointitunnus',
  ],
};

const LOOKUP = new Map<string, HeaderField[]>();
for (const [field, words] of Object.entries(WORDS) as Array<[HeaderField, string[]]>) {
  for (const word of words) {
    const list = LOOKUP.get(word) ?? [];
    list.push(field);
    LOOKUP.set(word, list);
  }
}

const FOLD: Record<string, string> = { ł: 'l', Ł: 'l', ø: 'o', Ø: 'o', æ: 'ae', Æ: 'ae', ß: 'ss', đ: 'd', œ: 'oe', Œ: 'oe' };

/** Lower case, no accents, punctuation as single spaces: `"Buchungstag (Valuta)"` → `buchungstag valuta`. */
export function foldHeader(text: string): string {
  return text
    .replace(/[łŁøØæÆßđœŒ]/g, (c) => FOLD[c] ?? c)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const CURRENCY_IN_HEADER = /\b(eur|usd|gbp|chf|pln|sek|dkk|nok|czk|huf|ron|bgn|isk|cad|aud|jpy|euro|euroa|euros)\b/;

export interface HeaderMatch {
  fields: HeaderField[];
  /** The dictionary phrase that matched (folded). */
  phrase: string;
  /** `exact` when the whole header is a known phrase; `prefix` when it starts with one. */
  how: 'exact' | 'prefix';
  /** A currency named inside the header, e.g. `Bedrag (EUR)` → EUR. */
  currency?: string;
}

/** Which fields a header cell may name, or undefined for a header the dictionary does not know. */
export function matchHeader(cell: string): HeaderMatch | undefined {
  const folded = foldHeader(cell);
  if (folded === '') return undefined;
  const currencyWord = CURRENCY_IN_HEADER.exec(folded)?.[1];
  const currency = currencyWord === undefined ? undefined : currencyWord.startsWith('euro') ? 'EUR' : currencyWord.toUpperCase();
  const withCurrency = (m: HeaderMatch): HeaderMatch => (currency === undefined ? m : { ...m, currency });
  const exact = LOOKUP.get(folded);
  if (exact !== undefined) return withCurrency({ fields: exact, phrase: folded, how: 'exact' });
  const bare = currencyWord === undefined ? folded : folded.replace(CURRENCY_IN_HEADER, ' ').replace(/\s+/g, ' ').trim();
  const exactBare = LOOKUP.get(bare);
  if (exactBare !== undefined) return withCurrency({ fields: exactBare, phrase: bare, how: 'exact' });
  // The longest known phrase the header starts with ("kwota transakcji waluta rachunku" → "kwota transakcji").
  const words = bare.split(' ');
  for (let n = Math.min(words.length - 1, 4); n >= 1; n -= 1) {
    const phrase = words.slice(0, n).join(' ');
    const fields = LOOKUP.get(phrase);
    // One-letter phrases ("in", "ut") only as whole headers: as a prefix they match too much.
    if (fields !== undefined && phrase.length > 2) return withCurrency({ fields, phrase, how: 'prefix' });
  }
  return undefined;
}

export type HeaderLanguage = 'de' | 'fr' | 'es' | 'it' | 'nl' | 'pl' | 'lt' | 'sv' | 'da' | 'fi';

/** Header words (folded) that belong to one language only: they say in which language the file is. */
const LANGUAGE_WORDS: Record<HeaderLanguage, string[]> = {
  de: ['buchungstag', 'betrag', 'verwendungszweck', 'wahrung', 'waehrung', 'valutadatum', 'buchungstext', 'umsatz', 'soll', 'haben', 'kontostand', 'wertstellung', 'empfanger', 'auftraggeber', 'belastung', 'gutschrift', 'buchungsdatum'],
  fr: ['libelle', 'solde', 'montant', 'devise', 'valeur', 'operation', 'compte'],
  es: ['fecha', 'importe', 'concepto', 'cargo', 'abono', 'moneda', 'operacion', 'cuenta'],
  it: ['contabile', 'descrizione', 'dare', 'avere', 'importo', 'causale', 'operazione', 'conto'],
  nl: ['bedrag', 'omschrijving', 'mededelingen', 'tegenrekening', 'rekening', 'naam', 'mutatiesoort', 'bij'],
  pl: ['kwota', 'operacji', 'ksiegowania', 'tytul', 'opis', 'nadawca', 'odbiorca', 'waluta', 'rachunek', 'kontrahenta', 'obciazenia', 'uznania'],
  lt: ['suma', 'mokejimo', 'paskirtis', 'gavejas', 'moketojas', 'valiuta', 'saskaita', 'likutis', 'aprasymas'],
  sv: ['belopp', 'bokforingsdag', 'transaktionsdag', 'valutadag', 'beskrivning', 'meddelande', 'referens', 'radnummer'],
  da: ['dato', 'tekst', 'belob', 'belop', 'rentedato', 'bogforingsdato', 'bokforingsdato', 'modtager', 'mottaker'],
  fi: ['kirjauspaiva', 'arvopaiva', 'maara', 'selite', 'viesti', 'saaja', 'maksaja', 'viite'],
};
const WORD_LANGUAGE = new Map<string, HeaderLanguage>();
for (const [language, words] of Object.entries(LANGUAGE_WORDS) as Array<[HeaderLanguage, string[]]>) for (const w of words) WORD_LANGUAGE.set(w, language);

/** The languages whose own header words appear in the text (folded word by word). */
export function headerLanguages(text: string): Set<HeaderLanguage> {
  const found = new Set<HeaderLanguage>();
  for (const word of foldHeader(text).split(' ')) {
    const language = WORD_LANGUAGE.get(word);
    if (language !== undefined) found.add(language);
  }
  return found;
}
