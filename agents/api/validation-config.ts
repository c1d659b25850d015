/**
 * A stream's rules file (issue 13 items 2 and 4): how a mapped record is cleansed, the JSON Schema its
 * data must satisfy, and the accounting rules (balanced entries, VAT, open periods, reference lists)
 * checked before it is sent. docs/validation.md describes the format and every failure code; the
 * validator is agents/transforms/validation/.
 */
import { z } from 'zod';

/** Exact decimal text: an optional minus, digits, optional fraction. Never a JS number (money). */
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const DecimalTextSchema = z.string().regex(DECIMAL_TEXT, 'expected decimal text such as "0.01"');
const FieldSchema = z.string().min(1, 'expected a field path such as "amount" or "lines.amount"');
const CountrySchema = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166 alpha-2 country such as "GB"');

/** What one field is cleansed as: a named kind, or a kind that needs a country. */
export const CleanseFieldSchema = z.union([
  z.enum(['text', 'iban', 'bic', 'date', 'upper', 'lower']),
  z.object({ phone: CountrySchema }).strict(),
  z.object({ postcode: CountrySchema }).strict(),
]);
export type CleanseField = z.infer<typeof CleanseFieldSchema>;

export const CleanseConfigSchema = z
  .object({
    /** Trim every text value (default true). */
    trim: z.boolean().default(true),
    /** Unicode normal form for every text value (default NFC, so lookups compare equal). */
    unicode: z.enum(['NFC', 'NFKC', 'none']).default('NFC'),
    /** Per top-level field cleansing. */
    fields: z.record(z.string(), CleanseFieldSchema).default({}),
  })
  .strict();
export type CleanseConfig = z.infer<typeof CleanseConfigSchema>;

export const BalancedRuleSchema = z
  .object({
    rule: z.literal('balanced'),
    amount: FieldSchema,
    side: FieldSchema,
    debit: z.string().default('D'),
    credit: z.string().default('C'),
  })
  .strict();

/** `rate` names a field holding decimal text ("0.20"); `taxCode` names a field looked up in tax-codes. */
export const VatRuleSchema = z
  .object({
    rule: z.literal('vat'),
    net: FieldSchema,
    vat: FieldSchema,
    rate: FieldSchema.optional(),
    taxCode: FieldSchema.optional(),
    tolerance: DecimalTextSchema.default('0.01'),
    /** Decimal places the expected VAT is rounded to (half-up, the usual invoice rounding). */
    scale: z.number().int().min(0).max(10).default(2),
  })
  .strict()
  .refine((rule) => (rule.rate === undefined) !== (rule.taxCode === undefined), { message: 'give exactly one of "rate" or "taxCode"' });

export const PeriodRuleSchema = z.object({ rule: z.literal('period'), date: FieldSchema }).strict();

export const ReferenceRuleSchema = z
  .object({
    rule: z.literal('reference'),
    field: FieldSchema,
    list: z.string().min(1, 'expected a reference list such as "tax-codes"'),
    column: z.string().default('code'),
  })
  .strict();

export const ValidationRuleSchema = z.union([BalancedRuleSchema, VatRuleSchema, PeriodRuleSchema, ReferenceRuleSchema]);
export type ValidationRule = z.infer<typeof ValidationRuleSchema>;

export const ValidationConfigSchema = z
  .object({
    stream: z.string().min(1, 'expected the stream name'),
    cleanse: CleanseConfigSchema.optional(),
    /** JSON Schema (draft 2020-12) of the record's data after mapping; compiled by the validator. */
    schema: z.record(z.string(), z.unknown()).optional(),
    rules: z.array(ValidationRuleSchema).default([]),
    duplicates: z.object({ key: z.array(FieldSchema).min(1, 'expected at least one key field') }).strict().optional(),
  })
  .strict();
export type ValidationConfig = z.infer<typeof ValidationConfigSchema>;
/** What a person writes (defaults not yet applied). */
export type ValidationConfigInput = z.input<typeof ValidationConfigSchema>;
