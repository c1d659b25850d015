/**
 * Bank files this project wrote itself (test/helpers/bank-samples/), one or more per format the
 * agent reads, with what a correct parser must find in each. They stand in for the external corpus
 * (external-corpus.ts) wherever a test needs a real file of a format and must run in a clone of the
 * repository alone: the fuzz seeds, the watched-folder path and the samples' own test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const BANK_SAMPLES_DIR = path.join(import.meta.dirname, 'bank-samples');

export type SampleFormat = 'camt' | 'mt940' | 'ofx' | 'bai2' | 'csv';

export interface BankSample {
  file: string;
  format: SampleFormat;
  /** `format` as parseFile reports it. */
  reported: string;
  /** Per statement: account, currency, entry amounts, balances where the file states them. */
  statements: Array<{ accountId: string; currency: string; amounts: string[]; opening?: string; closing?: string }>;
}

export const BANK_SAMPLES: readonly BankSample[] = [
  {
    file: 'camt053-four-entries.xml',
    format: 'camt',
    reported: 'camt.053',
    statements: [{ accountId: 'DE89370400440532013000', currency: 'EUR', amounts: ['-0.01', '79.20', '158.39', '-237.58'], opening: '5000.00', closing: '5000.00' }],
  },
  {
    file: 'mt940-two-days.sta',
    format: 'mt940',
    reported: 'mt940',
    statements: [
      { accountId: 'DE89370400440532013000', currency: 'EUR', amounts: ['-125.40', '2480.00'], opening: '5000.00', closing: '7354.60' },
      { accountId: 'DE89370400440532013000', currency: 'EUR', amounts: ['-54.60'], opening: '7354.60', closing: '7300.00' },
    ],
  },
  {
    file: 'ofx-checking-sgml.ofx',
    format: 'ofx',
    reported: 'ofx',
    statements: [{ accountId: '000123456789', currency: 'USD', amounts: ['-42.17', '1500.00', '-9.99', '-120.00'], closing: '2327.84' }],
  },
  {
    file: 'ofx-creditcard-xml.ofx',
    format: 'ofx',
    reported: 'ofx',
    statements: [{ accountId: '4111000000001111', currency: 'EUR', amounts: ['-64.80', '12.50'], closing: '-52.30' }],
  },
  {
    file: 'bai2-prior-day.bai2',
    format: 'bai2',
    reported: 'bai2',
    statements: [
      { accountId: '987654321', currency: 'USD', amounts: ['600.00', '-87.50'], opening: '2500.00', closing: '3012.50' },
      { accountId: '123123123', currency: 'USD', amounts: [], opening: '100.00', closing: '100.00' },
    ],
  },
  {
    file: 'csv-de-betrag.csv',
    format: 'csv',
    reported: 'csv',
    statements: [{ accountId: 'DE89370400440532013000', currency: 'EUR', amounts: ['-1850.00', '4312.75', '980.10'] }],
  },
];

export function bankSamplePath(file: string): string {
  return path.join(BANK_SAMPLES_DIR, file);
}

/** The bytes of every sample of one format (fuzz seeds). */
export function bankSampleBytes(format: SampleFormat): Uint8Array[] {
  return BANK_SAMPLES.filter((s) => s.format === format).map((s) => new Uint8Array(readFileSync(bankSamplePath(s.file))));
}
