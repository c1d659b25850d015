/**
 * Issue 13 items 1 and 6 with a real source: a PostgreSQL table the test generates (large NUMERIC
 * amounts), read over ODBC by the source plugin's own read path, previewed through a mapping with the
 * money helpers. The expected values are computed by PostgreSQL's own NUMERIC arithmetic (round() is
 * half away from zero there, hence HALF_UP), so the oracle is neither decimal.js nor this agent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfigSchema, MappingConfigSchema, type AgentConfig, type MappingConfig } from '../../agents/api/index.ts';
import { buildProgram } from '../../agents/cli/program.ts';
import { sampleSourceRecords } from '../../agents/engine/mapping-sample.ts';
import { previewMapping } from '../../agents/transforms/mapping/index.ts';
import { createPostgresDatabase, type ThrowawayDatabase } from '../helpers/databases.ts';
import { serviceMissing } from '../helpers/services.ts';

const ROWS = 60;
const noSecrets = { resolve: (ref: string) => Promise.reject(new Error(`no secret ${ref} in this test`)) };

const mappingInput = {
  stream: 'sales',
  input: { id: 'integer', net: 'money', rate: 'money', qty: 'integer', unit: 'money', sold: 'timestamp', note: 'text' },
  fields: {
    id: { expr: 'id', type: 'integer' },
    vat: { expr: "$round($decimalMul(net, rate), 2, 'HALF_UP')", type: 'money', required: true },
    gross: { expr: "$decimalAdd(net, $round($decimalMul(net, rate), 2, 'HALF_UP'))", type: 'money' },
    lineTotal: { expr: '$decimalMul(unit, qty)', type: 'money' },
    big: { expr: '$decimalGt(net, "1000000000000") ? "large" : "normal"', type: 'text' },
    sold: { expr: 'sold', type: 'timestamp' },
    label: { expr: '$uppercase(note)', type: 'text' },
  },
};

describe.skipIf(serviceMissing('postgresql'))('mapping preview on a PostgreSQL table over ODBC', () => {
  let db: ThrowawayDatabase;
  let dir: string;
  let config: AgentConfig;
  let mapping: MappingConfig;
  let expected: Map<string, { vat: string; gross: string; lineTotal: string }>;

  beforeAll(async () => {
    db = await createPostgresDatabase('mapping_preview');
    dir = mkdtempSync(path.join(tmpdir(), 'tya-mapping-'));
    // Amounts with all their digits used: a float would lose the last ones (16 significant digits).
    const values = Array.from({ length: ROWS }, (_, i) => {
      const n = i + 1;
      const net = `${(BigInt(n) * 7_919_123_456_789n) % 99_999_999_999_999n}.${String((n * 7907) % 10_000).padStart(4, '0')}`;
      const rate = n === 13 ? 'NULL' : `0.${String((n * 37) % 10_000).padStart(4, '0')}`;
      const unit = `${n * 1234567}.${String((n * 104_729) % 1_000_000).padStart(6, '0')}`;
      return `(${n}, ${net}, ${rate}, ${(n * 17) % 1000}, ${unit}, '2026-12-0${(n % 5) + 1} 10:${String(n % 60).padStart(2, '0')}:00', 'row ${n}')`;
    });
    await db.exec(`
      CREATE TABLE sales (id bigint PRIMARY KEY, net numeric(20,4) NOT NULL, rate numeric(6,4), qty integer NOT NULL,
                          unit numeric(18,6) NOT NULL, sold timestamp NOT NULL, note text);
      INSERT INTO sales VALUES ${values.join(',\n')};`);
    const rows = await db.query('SELECT id, round(net * rate, 2), net + round(net * rate, 2), unit * qty FROM sales ORDER BY id');
    expected = new Map(rows.map(([id, vat, gross, lineTotal]) => [String(id), { vat: String(vat), gross: String(gross), lineTotal: String(lineTotal) }]));
    config = AgentConfigSchema.parse({
      agent: { name: 'mapping-test', dataDir: path.join(dir, 'data') },
      cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
      sources: [
        {
          type: 'odbc',
          name: 'pos',
          dialect: 'postgresql',
          connectionString: db.connectionString,
          timeZone: 'Europe/Vienna',
          streams: [{ name: 'sales', table: 'sales', keyColumns: ['id'], cursorColumn: 'id', pageRows: 7 }],
        },
      ],
    });
    mapping = MappingConfigSchema.parse(mappingInput);
  });

  afterAll(async () => {
    await db?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('reads samples through the ODBC source (exact text, not numbers) and maps them exactly; a bad row is an error of its own', async () => {
    const samples = await sampleSourceRecords(config, 'sales', 20, noSecrets, AbortSignal.timeout(30_000));
    expect(samples).toHaveLength(20);
    expect(samples[0]?.data).toMatchObject({ id: '1', sold: '2026-12-02T10:01:00+01:00' });
    expect(typeof samples[0]?.data?.net).toBe('string');

    const preview = await previewMapping(mapping, samples);
    expect(preview.refusals).toEqual([]);
    expect(preview.rows).toHaveLength(20);
    for (const row of preview.rows) {
      const id = row.key.id ?? '';
      if (id === '13') {
        // rate is NULL in row 13: that record fails, named, and the others are not affected.
        expect(row.error).toMatchObject({ code: 'expression', field: 'vat' });
        expect(row.error?.message).toContain('null');
        continue;
      }
      expect(row.error).toBeUndefined();
      expect(row.output).toMatchObject(expected.get(id) ?? {});
      expect(row.output?.label).toBe(`ROW ${id}`);
    }
    expect(preview.mapped).toBe(19);
    expect(preview.failed).toBe(1);
    // The figures really are beyond a double's precision, so exact equality means something.
    expect(preview.rows.some((r) => typeof r.output?.gross === 'string' && r.output.gross.replace(/\D/g, '').length > 16)).toBe(true);
  });

  it('tya-agent mapping preview reads the configured stream and prints input beside output', async () => {
    const configFile = path.join(dir, 'agent.json');
    const mappingFile = path.join(dir, 'sales-mapping.json');
    writeFileSync(configFile, JSON.stringify(AgentConfigSchema.parse(config)));
    writeFileSync(mappingFile, JSON.stringify(mappingInput));
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      let code = -1;
      const program = buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l), interactive: false }, (c) => (code = c));
      await program.parseAsync(['node', 'tya-agent', ...args]);
      return { out: out.join('\n'), err: err.join('\n'), code };
    };

    const json = await run(['mapping', 'preview', '--mapping', mappingFile, '--config', configFile, '--sample', '5', '--json']);
    expect(json.err).toBe('');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { rows: Array<{ key: { id: string }; output: Record<string, string> }> };
    expect(parsed.rows.map((r) => r.key.id)).toEqual(['1', '2', '3', '4', '5']);
    for (const row of parsed.rows) expect(row.output).toMatchObject(expected.get(row.key.id) ?? {});

    const text = await run(['mapping', 'preview', '--mapping', mappingFile, '--config', configFile, '--sample', '15']);
    expect(text.code).toBe(3); // row 13 failed
    expect(text.out).toContain('#1 key id=1');
    expect(text.out).toMatch(/net {2}"[\d.]+" +vat {2}"[\d.]+"/);
    expect(text.out).toContain('14 mapped, 1 with errors.');

    const unknown = await run(['mapping', 'preview', '--mapping', mappingFile, '--config', configFile, '--stream', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('No configured source has a stream "nope" (streams: sales)');
  });
});
