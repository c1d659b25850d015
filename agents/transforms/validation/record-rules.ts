/**
 * Per-record accounting rules: VAT arithmetic, open periods and reference lists. Money is decimal text
 * and all arithmetic is decimal.js, never JS numbers. A missing reference list is a hold, not a
 * reject: the data may be right and only a person (or the next reference fetch) can tell.
 */
import { Decimal } from 'decimal.js';
import type { JsonObject, ValidationRule } from '../../api/index.ts';
import { readField } from './field-path.ts';
import { MONEY_TEXT } from './formats.ts';
import type { ValidationContext, ValidationFailure } from './types.ts';

// A private constructor so the shared global Decimal's settings are not changed under anyone.
const Exact = Decimal.clone({ precision: 1000, rounding: Decimal.ROUND_HALF_UP });

type RecordRule = Exclude<ValidationRule, { rule: 'balanced' }>;

function unavailable(list: string, path: string, ctx: ValidationContext): ValidationFailure {
  return {
    code: 'reference_unavailable',
    path,
    message: `The "${list}" list for entity ${ctx.entity} has never been fetched from the cloud, so ${path} cannot be checked. The record is held: refresh reference data, then replay.`,
    severity: 'hold',
  };
}

function vatRule(rule: Extract<RecordRule, { rule: 'vat' }>, data: JsonObject, ctx: ValidationContext): ValidationFailure[] {
  const net = readField(data, rule.net);
  const vat = readField(data, rule.vat);
  // Missing or non-decimal amounts are the schema's to report; VAT is only checked on good numbers.
  if (typeof net !== 'string' || typeof vat !== 'string' || !MONEY_TEXT.test(net) || !MONEY_TEXT.test(vat)) return [];
  let rate: string;
  if (rule.rate !== undefined) {
    const value = readField(data, rule.rate);
    if (typeof value !== 'string' || !MONEY_TEXT.test(value)) return [];
    rate = value;
  } else {
    const codeField = rule.taxCode!;
    const code = readField(data, codeField);
    if (typeof code !== 'string') return [];
    const rows = ctx.reference.rows(ctx.entity, 'tax-codes');
    if (rows === undefined) return [unavailable('tax-codes', codeField, ctx)];
    const found = rows.find((row) => row['code'] === code)?.['rate'];
    if (found === undefined || !MONEY_TEXT.test(found)) return []; // an unknown code is the reference rule's to report
    rate = found;
  }
  const expected = new Exact(net).mul(rate).toDecimalPlaces(rule.scale, Decimal.ROUND_HALF_UP);
  const difference = new Exact(vat).minus(expected).abs();
  if (difference.lte(rule.tolerance)) return [];
  return [{
    code: 'vat_mismatch',
    path: rule.vat,
    value: vat,
    message: `VAT ${vat} does not match net ${net} at rate ${rate}: expected ${expected.toFixed(rule.scale)} (difference ${difference.toFixed()}, allowed ${rule.tolerance}). Check the invoice's VAT amount or tax code, then replay.`,
    severity: 'reject',
  }];
}

function periodRule(rule: Extract<RecordRule, { rule: 'period' }>, data: JsonObject, ctx: ValidationContext): ValidationFailure[] {
  const value = readField(data, rule.date);
  if (typeof value !== 'string' || value.length < 10) return [];
  const day = value.slice(0, 10); // a timestamp's calendar date as written (its own zone)
  const rows = ctx.reference.rows(ctx.entity, 'periods');
  if (rows === undefined) return [unavailable('periods', rule.date, ctx)];
  const covering = rows.filter((row) => row['start'] !== undefined && row['end'] !== undefined && row['start'] <= day && day <= row['end']);
  const open = covering.find((row) => row['status'] === 'open');
  if (open !== undefined) return [];
  if (covering.length > 0) {
    const period = covering[0]!['code'] ?? `${covering[0]!['start']}..${covering[0]!['end']}`;
    return [{
      code: 'closed_period',
      path: rule.date,
      value,
      message: `Dated ${day}, in period ${period} which is closed: ask the accountant to reopen it, then replay.`,
      severity: 'hold',
    }];
  }
  return [{
    code: 'no_period',
    path: rule.date,
    value,
    message: `Dated ${day}, but no accounting period of entity ${ctx.entity} covers that date. Check the date, or ask the accountant to create the period, then replay.`,
    severity: 'reject',
  }];
}

function referenceRule(rule: Extract<RecordRule, { rule: 'reference' }>, data: JsonObject, ctx: ValidationContext): ValidationFailure[] {
  const value = readField(data, rule.field);
  if (value === undefined || value === null) return []; // absence is the schema's `required` to report
  const rows = ctx.reference.rows(ctx.entity, rule.list);
  if (rows === undefined) return [unavailable(rule.list, rule.field, ctx)];
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (rows.some((row) => row[rule.column] === text)) return [];
  return [{
    code: 'unknown_reference',
    path: rule.field,
    value,
    message: `${rule.field} is "${text}", which is not in the cloud's "${rule.list}" list for entity ${ctx.entity}. Use a code from that list (or add it in the cloud), then replay.`,
    severity: 'reject',
  }];
}

export function recordRuleFailures(rule: RecordRule, data: JsonObject, ctx: ValidationContext): ValidationFailure[] {
  switch (rule.rule) {
    case 'vat':
      return vatRule(rule, data, ctx);
    case 'period':
      return periodRule(rule, data, ctx);
    case 'reference':
      return referenceRule(rule, data, ctx);
  }
}
