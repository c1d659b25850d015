import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationConfigSchema, type JsonObject, type ValidationConfigInput } from '../../api/index.ts';
import { bankSamplePath } from '../../../test/helpers/bank-samples.ts';
import { readRulesFile, RulesFileError, StreamValidator, type ReferenceLookup, type RecordToValidate } from './index.ts';

const LISTS: Record<string, Record<string, string>[]> = {
  periods: [
    { code: '2026-10', start: '2026-10-01', end: '2026-10-31', status: 'open' },
    { code: '2026-11', start: '2026-11-01', end: '2026-11-30', status: 'closed' },
  ],
  'tax-codes': [{ code: 'S20', country: 'GB', rate: '0.20', name: 'Standard' }, { code: 'Z0', country: 'GB', rate: '0', name: 'Zero' }],
};
const reference: ReferenceLookup = { rows: (_entity, list) => LISTS[list] };
const nothingFetched: ReferenceLookup = { rows: () => undefined };
const ctx = { entity: 'E1', reference };

function validator(config: ValidationConfigInput): StreamValidator {
  return StreamValidator.fromConfig(ValidationConfigSchema.parse(config), 'test.jsonc');
}
const rec = (data: JsonObject | undefined, group?: string): RecordToValidate => ({ key: { id: 1 }, group, data });

describe('JSON Schema formats and decimal range', () => {
  const v = validator({
    stream: 's',
    schema: {
      type: 'object',
      required: ['amount'],
      properties: {
        amount: { type: 'string', format: 'money', decimalMinimum: '0', decimalMaximum: '1000000' },
        booked: { type: 'string', format: 'date' },
        at: { type: 'string', format: 'timestamp' },
        iban: { type: 'string', format: 'iban' },
        bic: { type: 'string', format: 'bic' },
        currency: { type: 'string', format: 'currency' },
        country: { type: 'string', format: 'country' },
        kind: { enum: ['invoice', 'credit'] },
        qty: { type: 'integer' },
      },
    },
  });
  const one = (data: JsonObject) => v.validate([rec(data)], ctx)[0]!;

  it('accepts good values', () => {
    expect(one({ amount: '1000000.00', booked: '2024-02-29', at: '2026-11-28T09:30:00+01:00', iban: 'GB82WEST12345698765432', bic: 'DEUTDEFF', currency: 'EUR', country: 'GB', kind: 'invoice', qty: 3 })).toEqual([]);
  });
  it.each([
    ['amount', '12,50', 'format'], ['booked', '2023-02-29', 'format'], ['at', '2026-11-28T09:30:00', 'format'],
    ['iban', 'GB82WEST12345698765433', 'format'], ['bic', 'DEUT', 'format'], ['currency', 'EUX', 'format'],
    ['country', 'XX', 'format'], ['kind', 'bill', 'enum'], ['qty', '3', 'type'],
  ])('%s = %s fails with %s', (field, value, code) => {
    const failures = one({ amount: '1', [field]: value });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code, path: field, value, severity: 'reject' });
    expect(failures[0]!.message).toContain(field);
  });
  it('checks exact decimal ranges without floats', () => {
    expect(one({ amount: '1000000.000000000000000001' })[0]).toMatchObject({ code: 'range', path: 'amount', severity: 'reject' });
    expect(one({ amount: '-0.01' })[0]!.message).toContain('at least 0');
  });
  it('reports a missing field with no value', () => {
    const [failure] = one({});
    expect(failure).toEqual({ code: 'required', path: 'amount', message: expect.stringContaining('amount is missing') as string, severity: 'reject' });
  });
  it('refuses a broken schema naming the origin', () => {
    expect(() => validator({ stream: 's', schema: { type: 'object', decimalMinimum: 5 } })).toThrow(/test\.jsonc: "schema"/);
  });
});

describe('accounting rules', () => {
  it('balanced: every member of an unbalanced group fails; balanced groups pass', () => {
    const v = validator({ stream: 'gl', rules: [{ rule: 'balanced', amount: 'amount', side: 'side' }] });
    const out = v.validate([
      rec({ amount: '0.10', side: 'D' }, 'J1'), rec({ amount: '0.20', side: 'D' }, 'J1'), rec({ amount: '0.30', side: 'C' }, 'J1'),
      rec({ amount: '5.00', side: 'D' }, 'J2'), rec({ amount: '4.99', side: 'C' }, 'J2'), rec(undefined, 'J2'),
    ], ctx);
    expect(out.slice(0, 3)).toEqual([[], [], []]);
    expect(out[5]).toEqual([]);
    for (const failures of [out[3]!, out[4]!]) {
      expect(failures).toEqual([{ code: 'unbalanced_entry', path: '', message: expect.stringContaining('Entry J2') as string, severity: 'reject' }]);
      expect(failures[0]!.message).toContain('debits total 5.00, credits total 4.99');
    }
  });
  it('balanced property: matches a scaled-BigInt oracle', () => {
    const v = validator({ stream: 'gl', rules: [{ rule: 'balanced', amount: 'amount', side: 'side' }] });
    const line = fc.record({ cents: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), side: fc.constantFrom('D', 'C'), group: fc.constantFrom('A', 'B', 'C') });
    fc.assert(fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, balanceA) => {
      const all = [...lines];
      if (balanceA) {
        const net = all.filter((l) => l.group === 'A').reduce((sum, l) => sum + (l.side === 'D' ? l.cents : -l.cents), 0n);
        all.push({ cents: net, side: 'C', group: 'A' });
      }
      const text = (cents: bigint) => `${cents < 0n ? '-' : ''}${(cents < 0n ? -cents : cents) / 100n}.${String((cents < 0n ? -cents : cents) % 100n).padStart(2, '0')}`;
      const out = v.validate(all.map((l) => rec({ amount: text(l.cents), side: l.side }, l.group)), ctx);
      const sums = new Map<string, bigint>();
      for (const l of all) sums.set(l.group, (sums.get(l.group) ?? 0n) + (l.side === 'D' ? l.cents : -l.cents));
      all.forEach((l, i) => expect(out[i]!.length > 0).toBe(sums.get(l.group) !== 0n));
    }), { numRuns: 300, seed: 13 });
  });
  it('vat: with a rate field and with a tax-code lookup', () => {
    const byRate = validator({ stream: 'inv', rules: [{ rule: 'vat', net: 'net', vat: 'vat', rate: 'rate' }] });
    expect(byRate.validate([rec({ net: '100.05', vat: '20.01', rate: '0.20' })], ctx)[0]).toEqual([]);
    const [bad] = byRate.validate([rec({ net: '100.00', vat: '20.02', rate: '0.20' })], ctx)[0]!;
    expect(bad).toEqual({ code: 'vat_mismatch', path: 'vat', value: '20.02', message: expect.stringContaining('expected 20.00') as string, severity: 'reject' });
    const byCode = validator({ stream: 'inv', rules: [{ rule: 'vat', net: 'net', vat: 'vat', taxCode: 'tax_code' }] });
    expect(byCode.validate([rec({ net: '10', vat: '2.00', tax_code: 'S20' })], ctx)[0]).toEqual([]);
    expect(byCode.validate([rec({ net: '10', vat: '2.00', tax_code: 'Z0' })], ctx)[0]![0]!.code).toBe('vat_mismatch');
    expect(byCode.validate([rec({ net: '10', vat: '2.00', tax_code: 'S20' })], { entity: 'E1', reference: nothingFetched })[0]![0]).toMatchObject({ code: 'reference_unavailable', severity: 'hold', path: 'tax_code' });
  });
  it('period: open passes, closed holds, uncovered rejects, unfetched holds', () => {
    const v = validator({ stream: 'gl', rules: [{ rule: 'period', date: 'booked' }] });
    const out = v.validate([rec({ booked: '2026-10-31' }), rec({ booked: '2026-11-28' }), rec({ booked: '2027-01-02' })], ctx);
    expect(out[0]).toEqual([]);
    expect(out[1]).toEqual([{ code: 'closed_period', path: 'booked', value: '2026-11-28', message: 'Dated 2026-11-28, in period 2026-11 which is closed: ask the accountant to reopen it, then replay.', severity: 'hold' }]);
    expect(out[2]![0]).toMatchObject({ code: 'no_period', severity: 'reject', value: '2027-01-02' });
    expect(v.validate([rec({ booked: '2026-10-01' })], { entity: 'E1', reference: nothingFetched })[0]![0]).toMatchObject({ code: 'reference_unavailable', severity: 'hold' });
  });
  it('reference: unknown code rejects, missing list holds', () => {
    const v = validator({ stream: 'inv', rules: [{ rule: 'reference', field: 'tax_code', list: 'tax-codes' }] });
    expect(v.validate([rec({ tax_code: 'S20' })], ctx)[0]).toEqual([]);
    expect(v.validate([rec({ tax_code: 'S21' })], ctx)[0]![0]).toMatchObject({ code: 'unknown_reference', path: 'tax_code', value: 'S21', severity: 'reject' });
    expect(v.validate([rec({ tax_code: 'S20' })], { entity: 'E9', reference: nothingFetched })[0]![0]!.message).toContain('never been fetched');
  });
  it('duplicates warn on the second and later occurrences only', () => {
    const v = validator({ stream: 'inv', duplicates: { key: ['invoice_no'] } });
    const out = v.validate([rec({ invoice_no: 'A1' }), rec({ invoice_no: 'A2' }), rec({ invoice_no: 'A1' }), rec({ invoice_no: 'A1' })], ctx);
    expect(out.map((f) => f.length)).toEqual([0, 0, 1, 1]);
    expect(out[2]![0]).toMatchObject({ code: 'duplicate_key', path: 'invoice_no', value: 'A1', severity: 'warn' });
  });
});

describe('cleansing', () => {
  it('normalises text and cleans configured fields without mutating', () => {
    const v = validator({ stream: 's', cleanse: { fields: { iban: 'iban', phone: { phone: 'GB' }, postcode: { postcode: 'GB' }, booked: 'date' } } });
    const data: JsonObject = { name: '  Mu\u0308ller ', iban: 'gb82 west 1234 5698 7654 32', phone: '020 7946 0000', postcode: 'sw1a1aa', booked: '28.11.2026', n: 1 };
    const copy = structuredClone(data);
    const out = v.cleanse(data);
    expect(data).toEqual(copy);
    expect(out).toMatchObject({ name: 'M\u00fcller', iban: 'GB82WEST12345698765432', postcode: 'SW1A 1AA', booked: '2026-11-28', n: 1 });
    expect(out['phone']).toMatch(/^\+44/);
    expect(v.cleanse({ iban: 'not an iban' })['iban']).toBe('NOTANIBAN');
  });
});

describe('rules file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'val-rules-'));
  it('reads JSONC with comments', () => {
    const file = path.join(dir, 'ok.jsonc');
    writeFileSync(file, '{ // GL\n "stream": "gl_journal",\n "rules": [{"rule": "period", "date": "booked"},],\n}\n');
    expect(readRulesFile(file)).toMatchObject({ stream: 'gl_journal', rules: [{ rule: 'period', date: 'booked' }] });
  });
  it('names file, line and field on errors', () => {
    const bad = path.join(dir, 'bad.jsonc');
    writeFileSync(bad, '{\n "stream": "s",\n "rules": [ oops ]\n}');
    expect(() => readRulesFile(bad)).toThrow(RulesFileError);
    expect(() => readRulesFile(bad)).toThrow(/bad\.jsonc( line 3)?: not valid JSON/);
    const wrong = path.join(dir, 'wrong.jsonc');
    writeFileSync(wrong, '{"stream": "s", "rules": [{"rule": "vat", "net": "n", "vat": "v"}]}');
    expect(() => readRulesFile(wrong)).toThrow(/wrong\.jsonc: .*rules\.0/);
  });
});

describe('real bank fixture', () => {
  it('camt.053 account IBAN and currencies pass the formats', (context) => {
    const file = bankSamplePath('camt053-four-entries.xml');
    if (!existsSync(file)) {
      console.log(`skipped: bank fixture ${file} absent`);
      context.skip();
      return;
    }
    const xml = readFileSync(file, 'utf8');
    const iban = /<IBAN>([^<]+)<\/IBAN>/.exec(xml)![1]!;
    const amounts = [...xml.matchAll(/<Amt Ccy="([A-Z]+)">([^<]+)<\/Amt>/g)];
    expect(amounts.length).toBeGreaterThan(0);
    const v = validator({ stream: 'bank', schema: { type: 'object', properties: { iban: { format: 'iban' }, currency: { format: 'currency' }, amount: { format: 'money' } } } });
    const out = v.validate(amounts.map((m) => rec({ iban, currency: m[1]!, amount: m[2]! })), ctx);
    expect(out.every((failures) => failures.length === 0)).toBe(true);
    expect(v.validate([rec({ iban: iban.slice(0, -1) + '9', currency: 'EUR', amount: '1' })], ctx)[0]![0]!.code).toBe('format');
  });
});

describe('fuzz', () => {
  it('random JSON through cleanse() and validate() never throws', () => {
    const v = validator({
      stream: 'f', cleanse: { fields: { iban: 'iban', d: 'date', p: { postcode: 'GB' } } },
      schema: { type: 'object', properties: { amount: { format: 'money', decimalMinimum: '0' }, d: { format: 'date' } } },
      rules: [{ rule: 'balanced', amount: 'amount', side: 'side' }, { rule: 'vat', net: 'net', vat: 'vat', rate: 'rate' },
        { rule: 'period', date: 'd' }, { rule: 'reference', field: 'tax_code', list: 'tax-codes' }], duplicates: { key: ['id'] },
    });
    const keys = fc.constantFrom('amount', 'side', 'net', 'vat', 'rate', 'd', 'tax_code', 'id', 'iban', 'p', 'x');
    const data = fc.dictionary(keys, fc.jsonValue({ maxDepth: 2 })) as fc.Arbitrary<JsonObject>;
    fc.assert(fc.property(fc.array(fc.record({ data: fc.option(data, { nil: undefined }), group: fc.option(fc.string(), { nil: undefined }) })), (records) => {
      const out = v.validate(records.map((r) => ({ key: {}, group: r.group, data: r.data === undefined ? undefined : v.cleanse(r.data) })), ctx);
      expect(out).toHaveLength(records.length);
    }), { numRuns: 300, seed: 7 });
  });
});
