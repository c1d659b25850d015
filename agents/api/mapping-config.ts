/**
 * A stream's mapping (issue 13 item 1): typed target fields, each computed by a JSONata expression
 * over the source record's `data`. docs/mappings.md describes the format, the money helpers, what the
 * checker refuses and the limits. The checker and the evaluator are agents/transforms/mapping/.
 *
 * One expression per target field rather than one whole-record expression: every field has a
 * declared type that is checked on each output, and a refusal or a runtime error names the field.
 */
import { z } from 'zod';

/** What a value is. `money` is exact decimal text (`"12.50"`), never a JS number. */
export const MappingFieldTypeSchema = z.enum(['money', 'integer', 'text', 'date', 'timestamp', 'boolean']);
export type MappingFieldType = z.infer<typeof MappingFieldTypeSchema>;

/**
 * The source stream's fields as the mapping reads them: a type, or an object of nested fields (an
 * object or an array of objects, e.g. `lines: {amount: "money", qty: "integer"}`). Every field an
 * expression reads must be declared here, so the checker knows which values are money.
 */
export type MappingInputFields = { [field: string]: MappingFieldType | MappingInputFields };
export const MappingInputFieldsSchema: z.ZodType<MappingInputFields> = z.lazy(() =>
  z.record(z.string().min(1).max(200), z.union([MappingFieldTypeSchema, MappingInputFieldsSchema])),
);

export const MappingTargetFieldSchema = z
  .object({
    /** JSONata over the record's data, e.g. `$decimalMul(net, "1.20")`; `$key` is the record key. */
    expr: z.string().min(1).max(10_000),
    type: MappingFieldTypeSchema,
    /** A null or missing result is an error for this record (default: the field is null). */
    required: z.boolean().default(false),
  })
  .strict();
export type MappingTargetField = z.infer<typeof MappingTargetFieldSchema>;

/** `$refLookup(name, value)`: the entity's reference list `list`, its `from` column matched, its `to` column given. */
export const MappingLookupSchema = z
  .object({
    list: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a reference list name such as "tax-codes"'),
    from: z.string().min(1).max(100),
    to: z.string().min(1).max(100),
  })
  .strict();
export type MappingLookup = z.infer<typeof MappingLookupSchema>;

const TargetNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'letters, digits and _, not starting with a digit');

export const MappingConfigSchema = z
  .object({
    /** The stream whose records this mapping shapes, e.g. `sales_receipts`. */
    stream: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
    /** The source record's fields and their types (what the expressions may read). */
    input: MappingInputFieldsSchema,
    /** Target field → expression and type; the output record has exactly these fields, in this order. */
    fields: z
      .record(TargetNameSchema, MappingTargetFieldSchema)
      .refine((fields) => Object.keys(fields).length > 0, { message: 'a mapping needs at least one target field' }),
    /** Lookups through the entity's cached reference lists, by the name `$refLookup` calls them with. */
    lookups: z.record(TargetNameSchema, MappingLookupSchema).optional(),
  })
  .strict();
export type MappingConfig = z.infer<typeof MappingConfigSchema>;
export type MappingConfigInput = z.input<typeof MappingConfigSchema>;
