import { z } from 'zod';

/** A column by its header text (case-insensitive) or by its 0-based position. */
const ColumnSchema = z.union([z.string().min(1), z.number().int().min(0).max(1000)]);
export type ColumnRef = z.infer<typeof ColumnSchema>;

/**
 * How to read one bank's CSV (or Excel) export: the same profile serves both. Profiles are data, so
 * IT can write one for a bank the agent does not know yet and test it with `parse FILE --profile`.
 */
export const CsvProfileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Cell separator; found from the header when absent. */
    delimiter: z.enum([',', ';', '\t', '|']).optional(),
    quote: z.string().length(1).default('"'),
    /** `auto` (BOM, then UTF-8, then `fallbackEncoding`) or a fixed label such as `windows-1257`. */
    encoding: z.string().default('auto'),
    fallbackEncoding: z.string().default('windows-1252'),
    decimalSeparator: z.enum(['.', ',']).default('.'),
    thousandsSeparator: z.enum(['', '.', ',', "'", ' ']).default(''),
    /** Tokens YYYY, YY, MM, M, DD, D and literal separators, e.g. `DD.MM.YYYY`, `M/D/YY`; a time after the date is ignored. */
    dateFormat: z.string().regex(/^(YYYY|YY|MM|M|DD|D|[^A-Za-z0-9])+$/, 'tokens YYYY, YY, MM, M, DD, D and separators'),
    hasHeader: z.boolean().default(true),
    /** Lines above the header (or the first row) that are never data. */
    skipLines: z.number().int().min(0).max(1000).default(0),
    /** Header cells that identify this export (and find the header row below a preamble). */
    headerSignature: z.array(z.string().min(1)).default([]),
    /** For exports without a header: a regular expression per column, matched against the first rows. */
    rowPattern: z.array(z.string()).optional(),
    columns: z
      .object({
        bookingDate: ColumnSchema,
        valueDate: ColumnSchema.optional(),
        /** A signed amount… */
        amount: ColumnSchema.optional(),
        /** …or separate debit and credit columns… */
        debit: ColumnSchema.optional(),
        credit: ColumnSchema.optional(),
        /** …or an unsigned amount with a column saying which way it goes. */
        creditDebit: z.object({ column: ColumnSchema, debit: z.array(z.string()), credit: z.array(z.string()) }).optional(),
        currency: ColumnSchema.optional(),
        account: ColumnSchema.optional(),
        counterparty: ColumnSchema.optional(),
        counterpartyAccount: ColumnSchema.optional(),
        reference: ColumnSchema.optional(),
        remittance: z.array(ColumnSchema).default([]),
        /** Running balance after each row: gives the statement's opening and closing balance. */
        balance: ColumnSchema.optional(),
      })
      .strict()
      .refine((c) => c.amount !== undefined || (c.debit !== undefined && c.credit !== undefined), {
        message: 'needs an amount column, or both debit and credit columns',
      }),
    /** Used when there is no currency column. */
    currency: z.string().regex(/^[A-Za-z]{3}$/).optional(),
    /** Used when there is no account column and the preamble names none. */
    accountId: z.string().min(1).optional(),
    /** A label in the lines above the header whose next cell is the account (e.g. `IBAN`). */
    preambleAccountLabel: z.string().optional(),
    /** A regular expression with one group that finds the bank's reference inside the remittance text. */
    referencePattern: z.string().optional(),
    /** Row order when all dates are equal (the order is otherwise read from the dates). */
    rowOrder: z.enum(['ascending', 'descending']).default('ascending'),
  })
  .strict();

export type CsvProfile = z.infer<typeof CsvProfileSchema>;
export type CsvProfileInput = z.input<typeof CsvProfileSchema>;
