/**
 * `$refLookup` through a reference list: values found, a value the list lacks named with the list, a
 * list never fetched reported as such (the pipeline holds the record), and the save-time check that
 * a lookup's name is a declared literal.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MappingConfigSchema } from '../../api/index.ts';
import { buildLookupTables } from './lookup-helper.ts';
import { MappingPool } from './mapping-pool.ts';
import { checkMapping } from './money-checker.ts';

const TAX_MAP = [
  { local: 'V19', code: 'DE-19' },
  { local: 'V7', code: 'DE-7' },
  { local: 'V19', code: 'shadowed: the first row of a value wins' },
];

const config = MappingConfigSchema.parse({
  stream: 'ledger',
  input: { tax: 'text', net: 'money' },
  lookups: { taxCode: { list: 'tax-code-map', from: 'local', to: 'code' } },
  fields: {
    taxCode: { expr: '$refLookup("taxCode", tax)', type: 'text', required: true },
    net: { expr: 'net', type: 'money' },
  },
});

const pool = new MappingPool();
afterAll(() => pool.close());

describe('$refLookup', () => {
  it('passes the save-time check when the name is declared', () => {
    expect(checkMapping(config)).toEqual([]);
  });

  it('maps local codes through the cached list, and names the list for a value it lacks', async () => {
    const handle = pool.load(config, buildLookupTables(config.lookups, (list) => (list === 'tax-code-map' ? TAX_MAP : undefined)));
    expect(await pool.map(handle, { key: { id: '1' }, data: { tax: 'V19', net: '10.00' } })).toMatchObject({ ok: true, output: { taxCode: 'DE-19', net: '10.00' } });
    expect(await pool.map(handle, { key: { id: '2' }, data: { tax: 'V7', net: '1.10' } })).toMatchObject({ ok: true, output: { taxCode: 'DE-7' } });
    const missing = await pool.map(handle, { key: { id: '3' }, data: { tax: 'V16', net: '1.00' } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'lookup', field: 'taxCode' } });
    expect(missing.ok ? '' : missing.error.message).toContain('"V16" is not in the "tax-code-map" list (column local)');
    // No value: nothing to look up, and the field is required.
    expect(await pool.map(handle, { key: { id: '4' }, data: { net: '1.00' } })).toMatchObject({ ok: false, error: { code: 'required' } });
  });

  it('reports a list the agent never fetched as unavailable, not as a bad value', async () => {
    const handle = pool.load(config, buildLookupTables(config.lookups, () => undefined));
    const result = await pool.map(handle, { key: { id: '1' }, data: { tax: 'V19', net: '10.00' } });
    expect(result).toMatchObject({ ok: false, error: { code: 'reference_unavailable', field: 'taxCode' } });
  });

  it.each([
    ['an undeclared name', '$refLookup("vat", tax)', 'unknown_lookup', /names no lookup \(declared: taxCode\)/],
    ['a name computed at run time', '$refLookup($string("tax" & "Code"), tax)', 'cannot_follow', /quoted string/],
    ['a lookup inside a lambda with a typo', '$map([tax], function($t){ $refLookup("taxcode", $t) })', 'unknown_lookup', /taxcode/],
  ])('refuses %s when the mapping is saved', (_what, expr, code, message) => {
    const refused = checkMapping({ ...config, fields: { taxCode: { expr, type: 'text', required: false } } });
    expect(refused.map((r) => r.code)).toEqual([code]);
    expect(refused[0]!.message).toMatch(message);
  });

  it('refuses $refLookup in a mapping that declares no lookups', () => {
    const refused = checkMapping({ input: config.input, fields: config.fields });
    expect(refused.map((r) => r.code)).toEqual(['unknown_lookup']);
    expect(refused[0]!.message).toContain('the mapping declares none');
  });
});
