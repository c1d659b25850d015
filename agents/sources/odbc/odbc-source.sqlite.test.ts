import { describe, expect, it } from 'vitest';
import { OdbcSourceSchema } from '../../api/index.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import { createSqliteFile } from '../../../test/helpers/databases.ts';
import { OdbcSource } from './odbc-source.ts';
import { describeOdbcSource } from './odbc-source-scenarios.ts';
import { drain, memoryContext } from './test-harness.ts';

describe('OdbcSource on SQLite (SQLite3 ODBC driver)', () => {
  describeOdbcSource({
    dialect: 'sqlite',
    create: () => Promise.resolve(createSqliteFile('odbc-sqlite')),
    types: {
      int: 'INTEGER',
      bigint: 'INTEGER',
      decimal20: 'DECIMAL(20,2)',
      numeric38: 'NUMERIC(38,10)',
      longText: 'TEXT',
      timestamp: 'TIMESTAMP',
      boolean: 'BOOLEAN',
      binary: 'BLOB',
      date: 'DATE',
    },
    hexLiteral: (hex) => `x'${hex}'`,
    asText: (column) => `CAST(${column} AS TEXT)`,
    keepsDecimals: false,
  });
});

describe('OdbcSource on SQLite values the driver would cut', () => {
  it('reads text longer than a VARCHAR(n) declaration, blobs and exact decimal text whole', async () => {
    const file = createSqliteFile('odbc-sqlite-long');
    try {
      // SQLite never enforces VARCHAR(10); the driver's buffer for it (and for any expression) would.
      const long = Array.from({ length: 5000 }, (_, i) => ['x', 'ü', '字', '🎉'][i % 4]).join('');
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
      await file.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, updated INTEGER NOT NULL, short VARCHAR(10),
          blob BLOB, money TEXT);
        INSERT INTO notes VALUES (1, 1, '${long}', x'${bytes.toString('hex')}', '12345678901234567.89'),
          (2, 1, 'short', x'0102', '-0.01');`);
      const ctx = memoryContext();
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: 'sqlite',
        connectionString: file.connectionString,
        streams: [{ name: 'notes', table: 'notes', keyColumns: ['id'], cursorColumn: 'updated' }],
      });
      const source = new OdbcSource(config, ctx);
      await source.connect(new AbortController().signal);
      const { records } = await drain(source, ctx);
      await source.close();
      expect(records.map((r) => r.data)).toEqual([
        { id: '1', updated: '1', short: long, blob: bytes.toString('base64'), money: '12345678901234567.89' },
        { id: '2', updated: '1', short: 'short', blob: 'AQI=', money: '-0.01' },
      ]);
    } finally {
      await file.drop();
    }
  });
});

describe('OdbcSource on SQLite checkpoints', () => {
  it('refuses a saved position that does not fit the configured key columns', async () => {
    const file = createSqliteFile('odbc-sqlite-ckpt');
    try {
      await file.exec('CREATE TABLE lines (shift INTEGER, line INTEGER, updated INTEGER, PRIMARY KEY (shift, line))');
      const ctx = memoryContext();
      ctx.committed.set('pos/lines', { cursor: '7', key: ['3'] });
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: 'sqlite',
        connectionString: file.connectionString,
        streams: [{ name: 'lines', table: 'lines', keyColumns: ['shift', 'line'], cursorColumn: 'updated' }],
      });
      const source = new OdbcSource(config, ctx);
      await source.connect(new AbortController().signal);
      const error = await source.read(new AbortController().signal).then(
        () => null,
        (e: unknown) => e,
      );
      await source.close();
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ code: 'odbc_checkpoint_mismatch' });
      expect((error as PermanentError).message).toContain('has 1 key values but keyColumns lists 2');
    } finally {
      await file.drop();
    }
  });

  it('pages on a composite key whose first part repeats', async () => {
    const file = createSqliteFile('odbc-sqlite-composite');
    try {
      const rows = Array.from({ length: 12 }, (_, i) => `(${(i % 3) + 1}, ${12 - i}, 1)`);
      await file.exec(`CREATE TABLE lines (shift INTEGER, line INTEGER, updated INTEGER, PRIMARY KEY (shift, line));
        INSERT INTO lines VALUES ${rows.join(', ')};`);
      const ctx = memoryContext();
      const config = OdbcSourceSchema.parse({
        type: 'odbc',
        name: 'pos',
        dialect: 'sqlite',
        connectionString: file.connectionString,
        streams: [{ name: 'lines', table: 'lines', keyColumns: ['shift', 'line'], cursorColumn: 'updated', pageRows: 5 }],
      });
      const source = new OdbcSource(config, ctx);
      await source.connect(new AbortController().signal);
      const { records } = await drain(source, ctx);
      await source.close();
      const expected = Array.from({ length: 12 }, (_, i) => ({ shift: String((i % 3) + 1), line: String(12 - i) })).sort(
        (a, b) => Number(a.shift) - Number(b.shift) || Number(a.line) - Number(b.line),
      );
      expect(records.map((r) => r.key)).toEqual(expected);
      const last = expected.at(-1)!;
      expect(ctx.committed.get('pos/lines')).toMatchObject({ cursor: '1', key: [last.shift, last.line] });
    } finally {
      await file.drop();
    }
  });
});

