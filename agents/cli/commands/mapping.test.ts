import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../program.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tya-mapping-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  await buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l), interactive: false }, (c) => (code = c)).parseAsync(['node', 'tya-agent', ...args]);
  return { out: out.join('\n'), err: err.join('\n'), code };
}

const good = file(
  'good.json',
  `{
  // comments are allowed
  "stream": "sales",
  "input": { "net": "money", "rate": "money", "who": "text" },
  "fields": {
    "vat": { "expr": "$round($decimalMul(net, rate), 2)", "type": "money" },
    "who": { "expr": "$uppercase(who)", "type": "text" }
  }
}`,
);

describe('tya-agent mapping', () => {
  it('check: accepts a money-safe mapping (exit 0) and lists every refusal of a bad one (exit 3)', async () => {
    expect(await run(['mapping', 'check', good])).toMatchObject({ code: 0, out: `${good}: the mapping for "sales" may be saved (2 fields checked).` });
    const bad = file('bad.json', JSON.stringify({ stream: 'sales', input: { net: 'money' }, fields: { a: { expr: 'net * 1.2', type: 'money' }, b: { expr: '$eval("1")', type: 'integer' } } }));
    const result = await run(['mapping', 'check', bad]);
    expect(result.code).toBe(3);
    expect(result.out).toContain('Field "a": "net * 1.2" (at character 5): "*" is floating-point arithmetic on money ("net"): use $decimalMul.');
    expect(result.out).toContain('Field "b": "$eval(\\"1\\")"');
    const json = await run(['mapping', 'check', bad, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ accepted: false, refusals: [{ field: 'a', code: 'money_arithmetic', money: 'net' }, { field: 'b', code: 'escape' }] });
  });

  it('check: a file that is not a mapping names the line or the field', async () => {
    const broken = await run(['mapping', 'check', file('broken.json', '{\n  "stream": "sales",\n  "input": {\n}}}')]);
    expect(broken.code).toBe(4);
    expect(broken.err).toMatch(/broken\.json at line \d: not valid JSON/);
    const wrong = await run(['mapping', 'check', file('wrong.json', JSON.stringify({ stream: 'sales', input: { net: 'float' }, fields: {} }))]);
    expect(wrong.code).toBe(4);
    expect(wrong.err).toContain('input.net');
    expect(wrong.err).toContain('fields: a mapping needs at least one target field');
    expect((await run(['mapping', 'check', path.join(dir, 'missing.json')])).code).toBe(2);
  });

  it('preview --input: records and bare data objects, other streams skipped, per-record errors, bad lines named', async () => {
    const input = file(
      'in.jsonl',
      [
        JSON.stringify({ net: '100.05', rate: '0.19', who: 'ada' }),
        JSON.stringify({ stream: 'other', key: { id: '9' }, op: 'upsert', data: { net: '1', rate: '1', who: 'x' } }),
        '',
        JSON.stringify({ stream: 'sales', key: { id: '2' }, op: 'upsert', data: { net: '10', rate: 0.2, who: 'bob' } }),
        JSON.stringify({ stream: 'sales', key: { id: '3' }, op: 'delete' }),
      ].join('\n'),
    );
    const result = await run(['mapping', 'preview', '--mapping', good, '--input', input, '--json']);
    expect(result.code).toBe(3);
    const preview = JSON.parse(result.out) as { rows: Array<{ key: Record<string, string>; output?: unknown; error?: { field: string; message: string } }> };
    expect(preview.rows.map((r) => r.key)).toEqual([{ line: '1' }, { id: '2' }, { id: '3' }]);
    expect(preview.rows[0]?.output).toEqual({ vat: '19.01', who: 'ADA' });
    expect(preview.rows[1]?.error?.field).toBe('vat');
    expect(preview.rows[1]?.error?.message).toContain('floating-point number 0.2');
    const limited = await run(['mapping', 'preview', '--mapping', good, '--input', input, '--sample', '1']);
    expect(limited.out).toContain('1 mapped, 0 with errors.');
    const badLine = await run(['mapping', 'preview', '--mapping', good, '--input', file('bad.jsonl', '{"net": "1"}\nnot json\n')]);
    expect(badLine.code).toBe(2);
    expect(badLine.err).toContain('bad.jsonl line 2 is not JSON');
  });

  it('preview of a refused mapping runs nothing and prints the refusals', async () => {
    const refused = file('refused.json', JSON.stringify({ stream: 'sales', input: { net: 'money' }, fields: { a: { expr: '$sum(net)', type: 'money' } } }));
    const result = await run(['mapping', 'preview', '--mapping', refused, '--input', file('one.jsonl', '{"net": "1"}\n')]);
    expect(result.code).toBe(3);
    expect(result.out).toContain('The mapping for "sales" is refused; it was not run:');
    expect(result.out).toContain('$sum turns money ("net") into a floating-point number');
  });

  it('preview --rules: each output is cleansed and validated beside its input (exit 3 when one fails)', async () => {
    const rules = file('sales.rules.json', JSON.stringify({
      stream: 'sales',
      schema: { type: 'object', properties: { vat: { type: 'string', format: 'money', decimalMaximum: '100' } } },
    }));
    const input = file('rules.jsonl', '{"net": "100.00", "rate": "0.2", "who": " ada "}\n{"net": "1000.00", "rate": "0.2", "who": "bo"}\n');
    const result = await run(['mapping', 'preview', '--mapping', good, '--input', input, '--rules', rules, '--json', '--config', path.join(dir, 'none.json')]);
    expect(result.code, result.err).toBe(3);
    const rows = (JSON.parse(result.out) as { rows: Array<{ validation?: Array<{ code: string; path: string }> }> }).rows;
    expect(rows.map((r) => r.validation?.map((f) => `${f.code}@${f.path}`))).toEqual([[], ['range@vat']]);
    const text = await run(['mapping', 'preview', '--mapping', good, '--input', input, '--rules', rules, '--config', path.join(dir, 'none.json')]);
    expect(text.out).toContain('validation: passes');
    expect(text.out).toMatch(/validation: \[reject\] range at vat/);
  });
});
