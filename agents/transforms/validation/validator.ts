/**
 * One stream's validator, built once from its rules file: cleanses mapped records, checks them against
 * the JSON Schema (compiled once) and the accounting rules, and reports one failure list per record.
 */
import type { JsonObject, JsonValue, ValidationConfig } from '../../api/index.ts';
import { balancedFailures, type GroupMember } from './balanced.ts';
import { cleanseRecord } from './cleanse.ts';
import { readField } from './field-path.ts';
import { compileSchema } from './formats.ts';
import { recordRuleFailures } from './record-rules.ts';
import { schemaFailure } from './schema-failures.ts';
import { RulesFileError, type RecordToValidate, type ValidationContext, type ValidationFailure } from './types.ts';
import type { ValidateFunction } from 'ajv';

export class StreamValidator {
  readonly stream: string;
  readonly #config: ValidationConfig;
  readonly #schema: ValidateFunction | undefined;

  private constructor(config: ValidationConfig, schema: ValidateFunction | undefined) {
    this.stream = config.stream;
    this.#config = config;
    this.#schema = schema;
  }

  /** Throws RulesFileError (message names `origin`, the JSON path in the rules file and what was expected). */
  static fromConfig(config: ValidationConfig, origin: string): StreamValidator {
    let schema: ValidateFunction | undefined;
    if (config.schema !== undefined) {
      try {
        schema = compileSchema(config.schema);
      } catch (error) {
        throw new RulesFileError(`${origin}: "schema" is not a usable JSON Schema (draft 2020-12): ${(error as Error).message}. See docs/validation.md for the formats and keywords allowed.`);
      }
    }
    return new StreamValidator(config, schema);
  }

  /** Cleanses one record's data (returns a new object; never mutates). */
  cleanse(data: JsonObject): JsonObject {
    const config = this.#config.cleanse ?? { trim: true, unicode: 'NFC' as const, fields: {} };
    return cleanseRecord(data, config);
  }

  validate(records: readonly RecordToValidate[], ctx: ValidationContext): ValidationFailure[][] {
    const out: ValidationFailure[][] = records.map(() => []);
    records.forEach((record, index) => {
      const data = record.data;
      if (data === undefined || data === null) return; // a delete: nothing to validate
      if (typeof data !== 'object' || Array.isArray(data)) {
        out[index]!.push({ code: 'type', path: '', value: data, message: 'The mapped record is not an object; check the stream mapping.', severity: 'reject' });
        return;
      }
      if (this.#schema !== undefined && !this.#schema(data)) {
        for (const error of this.#schema.errors ?? []) out[index]!.push(schemaFailure(error));
      }
      for (const rule of this.#config.rules) {
        if (rule.rule !== 'balanced') out[index]!.push(...recordRuleFailures(rule, data, ctx));
      }
    });
    for (const rule of this.#config.rules) {
      if (rule.rule !== 'balanced') continue;
      const members: GroupMember[] = [];
      records.forEach((record, index) => {
        if (record.data === undefined || typeof record.data !== 'object' || record.data === null || Array.isArray(record.data)) return;
        // A record with no group is an entry on its own.
        members.push({ index, group: record.group ?? `#${index + 1}`, data: record.data });
      });
      for (const [index, failure] of balancedFailures(rule, members)) out[index]!.push(failure);
    }
    this.#duplicates(records, out);
    return out;
  }

  #duplicates(records: readonly RecordToValidate[], out: ValidationFailure[][]): void {
    const key = this.#config.duplicates?.key;
    if (key === undefined) return;
    const seen = new Map<string, number>();
    records.forEach((record, index) => {
      if (record.data === undefined || typeof record.data !== 'object' || record.data === null || Array.isArray(record.data)) return;
      const values = key.map((field) => readField(record.data!, field));
      if (values.some((value) => value === undefined || value === null)) return;
      const present = values as JsonValue[]; // checked just above
      const text = JSON.stringify(values);
      const first = seen.get(text);
      if (first === undefined) {
        seen.set(text, index);
        return;
      }
      out[index]!.push({
        code: 'duplicate_key',
        path: key.length === 1 ? key[0]! : '',
        value: present.length === 1 ? present[0]! : present,
        message: `${key.join(' + ')} ${values.map((value) => JSON.stringify(value)).join(' + ')} also appears in record ${first + 1} of this batch; it is still sent, but check the source for a double entry.`,
        severity: 'warn',
      });
    });
  }
}
