import type { CsvProfile, CsvProfileInput } from './profile.ts';
import { withProfileDefaults } from './profile-defaults.ts';

/**
 * Exports the agent recognises without configuration, most specific first. Each is identified by
 * its header cells (or, without a header, by the shape of its rows), never by the file name.
 */
const BUILTIN: CsvProfileInput[] = [
  {
    name: 'ing-de',
    description: 'ING-DiBa (Germany) account export: metadata lines above the header, running balance',
    delimiter: ';',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    dateFormat: 'DD.MM.YYYY',
    headerSignature: ['Buchung', 'Wertstellungsdatum', 'Buchungstext', 'Verwendungszweck', 'Saldo', 'Betrag'],
    preambleAccountLabel: 'IBAN',
    // The header names "Währung" twice: the second one belongs to "Betrag".
    columns: { bookingDate: 'Buchung', valueDate: 'Wertstellungsdatum', amount: 'Betrag', currency: 8, counterparty: 2, remittance: ['Buchungstext', 'Verwendungszweck'], balance: 'Saldo' },
  },
  {
    name: 'gls-bank',
    description: 'GLS Bank (Germany) account export',
    delimiter: ';',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    dateFormat: 'DD.MM.YYYY',
    headerSignature: ['Kontonummer', 'Buchungstag', 'Wertstellung', 'Buchungstext', 'VWZ1', 'Betrag', 'Kontostand'],
    columns: {
      bookingDate: 'Buchungstag',
      valueDate: 'Wertstellung',
      amount: 'Betrag',
      balance: 'Kontostand',
      currency: 21,
      account: 'Kontonummer',
      counterparty: 3,
      remittance: ['Buchungstext', ...Array.from({ length: 14 }, (_, i) => `VWZ${i + 1}`)],
    },
  },
  {
    name: 'de-betrag-ccy',
    description: 'German-header export with IBAN and reference columns (decimal comma, thousands dot)',
    delimiter: ';',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    dateFormat: 'YYYY-MM-DD',
    headerSignature: ['Buchungstag', 'Verwendungszweck', 'Betrag', 'CCY'],
    columns: { bookingDate: 'Buchungstag', amount: 'Betrag', currency: 'CCY', account: 'IBAN', reference: 'Ref', remittance: ['Verwendungszweck'] },
  },
  {
    name: 'ubs-ch-fr',
    description: 'UBS (Switzerland) account export, French headers, separate debit and credit columns',
    delimiter: ';',
    decimalSeparator: '.',
    thousandsSeparator: "'",
    dateFormat: 'DD.MM.YYYY',
    headerSignature: ['Produit', 'Monn.', 'Description', 'Date de valeur', 'Solde'],
    columns: {
      bookingDate: 'Date de valeur',
      valueDate: 'Date de valeur',
      debit: 8,
      credit: 9,
      currency: 'Monn.',
      account: 'Produit',
      reference: 7,
      counterparty: 'Description 2',
      remittance: ['Description 1', 'Description 2', 'Description 3'],
      balance: 'Solde',
    },
  },
  {
    name: 'ing-es',
    description: 'ING (Spain) movements export',
    delimiter: ',',
    decimalSeparator: '.',
    dateFormat: 'DD/MM/YYYY',
    headerSignature: ['date', 'class', 'subcategory', 'desc', 'amount', 'balance'],
    currency: 'EUR',
    accountId: 'ing-es',
    columns: { bookingDate: 'date', amount: 'amount', remittance: ['desc', 'notes'], balance: 'balance' },
  },
  {
    name: 'mint',
    description: 'Mint transactions export (several accounts, unsigned amounts with a debit/credit column)',
    delimiter: ',',
    decimalSeparator: '.',
    thousandsSeparator: ',',
    dateFormat: 'M/D/YY',
    headerSignature: ['Date', 'Description', 'Original Description', 'Amount', 'Transaction Type', 'Account Name'],
    currency: 'USD',
    columns: {
      bookingDate: 'Date',
      amount: 'Amount',
      creditDebit: { column: 'Transaction Type', debit: ['debit'], credit: ['credit'] },
      account: 'Account Name',
      counterparty: 'Description',
      remittance: ['Original Description', 'Notes'],
    },
  },
  {
    name: 'stripe-payments',
    description: 'Stripe payments export (card processor)',
    delimiter: ',',
    decimalSeparator: '.',
    dateFormat: 'YYYY-MM-DD',
    headerSignature: ['id', 'description', 'created', 'amount', 'currency', 'status'],
    accountId: 'stripe',
    columns: { bookingDate: 'created', amount: 'amount', currency: 'currency', reference: 'id', counterparty: 'card_name', remittance: ['description'] },
  },
  {
    name: 'easybank-giro',
    description: 'easybank (Austria) giro account export without a header row',
    delimiter: ';',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    dateFormat: 'DD.MM.YYYY',
    hasHeader: false,
    rowPattern: ['^[A-Z]{2}\\d{2}[A-Z0-9]{10,30}$', '', '^\\d{2}\\.\\d{2}\\.\\d{4}$', '^\\d{2}\\.\\d{2}\\.\\d{4}$', '^[+-]?[\\d.]*\\d,\\d{2}$', '^[A-Z]{3}$'],
    referencePattern: '\\b([A-Z]{2}/\\d{9})\\b',
    columns: { account: 0, remittance: [1], bookingDate: 2, valueDate: 3, amount: 4, currency: 5 },
  },
];

export const BUILTIN_CSV_PROFILES: readonly CsvProfile[] = BUILTIN.map(withProfileDefaults);

export function builtinCsvProfile(name: string): CsvProfile | undefined {
  return BUILTIN_CSV_PROFILES.find((p) => p.name === name);
}
