/**
 * The mapping editor's service against a real SQLite table over ODBC and a real outbox: the list
 * shows the file's text, the preview reads real rows without moving anything, and a save is refused
 * (file untouched) for text that does not parse, names another stream or does money in floats, and
 * otherwise written atomically and audited.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteFile, type ThrowawayDatabase } from '../../../test/helpers/databases.ts';
import { parseConfigText } from '../../engine/load-config.ts';
import { openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import type { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { ControlHttpError } from '../control-routes.ts';
import { createMappingEditor, type MappingEditorPort } from './mapping-editor.ts';

let dir: string;
let db: ThrowawayDatabase;
let outbox: Outbox;
let editor: MappingEditorPort;

const mapping = (gross = "$round($decimalMul(total, \"1.2\"), 2, 'HALF_EVEN')", stream = 'sales') =>
  JSON.stringify({ stream, input: { id: 'integer', total: 'money' }, fields: { id: { expr: 'id', type: 'integer' }, gross: { expr: gross, type: 'money', required: true } } }, null, 2);

async function refusal(run: () => Promise<unknown>): Promise<ControlHttpError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ControlHttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-mapping-editor-'));
  db = createSqliteFile('mappingeditor');
  await db.exec("CREATE TABLE sales (id INTEGER PRIMARY KEY, total TEXT NOT NULL); INSERT INTO sales VALUES (1, '10.00'), (2, '0.10'), (3, '19.99');");
  writeFileSync(path.join(dir, 'sales.mapping.json'), `// kept as typed\n${mapping()}`);
  const file = path.join(dir, 'agent.json');
  const text = JSON.stringify({
    agent: { name: 'Editor', dataDir: 'data' },
    cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' },
    sources: [{ type: 'odbc', name: 'till', dialect: 'sqlite', connectionString: db.connectionString, streams: [
      { name: 'sales', table: 'sales', keyColumns: ['id'], cursorColumn: 'id' },
      { name: 'other', table: 'sales', keyColumns: ['id'], cursorColumn: 'id' },
    ] }],
    streams: [{ source: 'till', stream: 'sales', mapping: 'sales.mapping.json', rules: 'sales.rules.json' }, { source: 'till', stream: 'other' }],
  });
  writeFileSync(file, text);
  writeFileSync(path.join(dir, 'sales.rules.json'), JSON.stringify({ stream: 'sales', schema: { type: 'object', properties: { gross: { type: 'string', format: 'money', decimalMinimum: '1' } } } }));
  const loaded = parseConfigText(text, file);
  outbox = openTestOutbox(path.join(dir, 'outbox.db'), systemClock);
  editor = createMappingEditor({
    config: () => loaded, outbox, resolver: () => ({ resolve: () => Promise.reject(new Error('no secrets here')) }),
    validation: { reference: { rows: () => undefined }, entityOf: () => 'store-1' },
  });
});

afterAll(async () => {
  outbox?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the mapping editor service', () => {
  it('lists each configured stream with its mapping file and text', () => {
    const list = editor.listMappings();
    expect(list.map((m) => [m.source, m.stream, m.mappingFile, m.text?.startsWith('// kept as typed')])).toEqual([
      ['till', 'sales', path.join(dir, 'sales.mapping.json'), true],
      ['till', 'other', null, undefined],
    ]);
  });

  it('previews on real rows from the source, and a refused mapping is not run', async () => {
    const preview = await editor.previewMapping({ source: 'till', stream: 'sales', mapping: mapping(), rows: 2 });
    expect(preview.refusals).toEqual([]);
    expect(preview.rows.map((r) => [r.input?.total, r.output?.gross])).toEqual([['10.00', '12.00'], ['0.10', '0.12']]);
    // The stream's rules run on each output: input → output → validation side by side.
    expect(preview.rulesNotPreviewed).toBe(false);
    expect(preview.rows.map((r) => r.validation?.map((f) => `${f.code}@${f.path}`))).toEqual([[], ['range@gross']]);
    const refused = await editor.previewMapping({ source: 'till', stream: 'sales', mapping: mapping('$number(total) * 1.2') });
    expect(refused.rows).toEqual([]);
    expect(refused.refusals.map((r) => [r.field, r.expression, r.code])).toEqual([['gross', '$number(total) * 1.2', 'money_function']]);
    const invalid = await editor.previewMapping({ source: 'till', stream: 'sales', mapping: '{"stream": ' });
    expect(invalid.invalid).toMatch(/not valid JSON/);
  });

  it('refuses to save what does not parse, names another stream, is refused, or has no file; the file is untouched', async () => {
    const file = path.join(dir, 'sales.mapping.json');
    const before = readFileSync(file, 'utf8');
    const floaty = await refusal(() => editor.saveMapping('till', 'sales', mapping('$number(total) * 1.2')));
    expect([floaty.status, floaty.code]).toEqual([400, 'mapping_refused']);
    expect(floaty.message).toContain('Field "gross"');
    expect((await refusal(() => editor.saveMapping('till', 'sales', '{oops'))).code).toBe('mapping_invalid');
    expect((await refusal(() => editor.saveMapping('till', 'sales', mapping(undefined, 'refunds')))).code).toBe('mapping_stream_mismatch');
    const none = await refusal(() => editor.saveMapping('till', 'other', mapping(undefined, 'other')));
    expect([none.status, none.code]).toEqual([400, 'mapping_not_configured']);
    expect((await refusal(() => editor.saveMapping('till', 'nope', mapping()))).status).toBe(404);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(path.join(dir, 'other.mapping.json'))).toBe(false);
  });

  it('saves atomically where the config points and audits it', async () => {
    const text = `// edited in the dashboard\n${mapping("$round($decimalMul(total, \"1.19\"), 2, 'HALF_EVEN')")}`;
    const saved = await editor.saveMapping('till', 'sales', text);
    expect(saved.text).toBe(text);
    expect(readFileSync(path.join(dir, 'sales.mapping.json'), 'utf8')).toBe(text);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const audit = outbox.audit.list({ limit: 10 });
    expect(audit.some((e) => e.event === 'config-changed' && e.subject === 'mappings/till/sales')).toBe(true);
  });
});
