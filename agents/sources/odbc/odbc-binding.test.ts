import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteFile } from '../../../test/helpers/databases.ts';
import { bindingCandidates } from './odbc-binding.ts';

describe('bindingCandidates', () => {
  const binary = { module_name: 'odbc', module_path: './lib/bindings/napi-v{napi_build_version}', napi_versions: [3, 8, 10] };

  it('names the binding of the highest N-API version this runtime supports first', () => {
    expect(bindingCandidates('/pkg', binary, 9)).toEqual(['/pkg/lib/bindings/napi-v8/odbc.node', '/pkg/lib/bindings/napi-v3/odbc.node']);
  });

  it('names nothing when package.json does not say where the binding is', () => {
    expect(bindingCandidates('/pkg', {}, 9)).toEqual([]);
    expect(bindingCandidates('/pkg', { ...binary, napi_versions: [12] }, 9)).toEqual([]);
  });

  it('takes a module path without a version placeholder as it is', () => {
    expect(bindingCandidates('/pkg', { module_name: 'odbc', module_path: 'build/Release' }, 9)).toEqual(['/pkg/build/Release/odbc.node']);
  });
});

describe('loadOdbcModule', () => {
  it('connects and queries through the real driver without loading node-pre-gyp or the pool', async () => {
    const db = createSqliteFile('odbc-binding');
    try {
      await db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, amount TEXT); INSERT INTO t VALUES (1, '12.34');");
      // A fresh process: the test runner's own module cache may hold the package's entry point already.
      const script = `
        const { loadOdbcModule } = await import(${JSON.stringify(path.join(import.meta.dirname, 'odbc-binding.ts'))});
        const { createRequire } = await import('node:module');
        const odbc = await loadOdbcModule();
        const connection = await odbc.connect({ connectionString: ${JSON.stringify(db.connectionString)}, loginTimeout: 5 });
        const rows = await connection.query('SELECT id, amount FROM t');
        await connection.close();
        const loaded = Object.keys(createRequire(import.meta.url).cache);
        console.log(JSON.stringify({
          rows: rows.map((r) => ({ ...r })),
          preGyp: loaded.some((f) => f.includes('node-pre-gyp')),
          asyncLib: loaded.some((f) => f.includes('/node_modules/async/')),
          binding: loaded.some((f) => f.endsWith('odbc.node')),
        }));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ rows: [{ id: 1, amount: '12.34' }], preGyp: false, asyncLib: false, binding: true });
    } finally {
      await db.drop();
    }
  });
});
