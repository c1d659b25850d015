/**
 * Loads the npm `odbc` package the cheap way: its native binding and its `Connection` class, which
 * is all the agent uses (`connect`). The package's own entry point finds the binding through
 * `@mapbox/node-pre-gyp` and loads its pool, which together pull in semver, nopt, consola, detect-libc
 * and the 220 kB `async` library: ~4.6 MiB of an idle agent's memory (bench/README.md, footprint),
 * for a lookup that is one path in the package's own package.json. When that path does not hold a
 * binding (an unusual build), the package's entry point is loaded as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Connection, ConnectionParameters } from 'odbc';

/** The part of the `odbc` package the agent calls. */
export interface OdbcModule {
  connect(parameters: ConnectionParameters): Promise<Connection>;
}

interface BinaryField {
  module_name?: unknown;
  module_path?: unknown;
  napi_versions?: unknown;
}

/**
 * Where node-pre-gyp puts the binding (`binary.module_path` with the highest N-API version both the
 * package and this runtime support), nearest first; none when package.json does not say.
 */
export function bindingCandidates(packageDir: string, binary: BinaryField, runtimeNapi: number): string[] {
  if (typeof binary.module_path !== 'string' || typeof binary.module_name !== 'string') return [];
  const versions = Array.isArray(binary.napi_versions)
    ? binary.napi_versions.filter((v): v is number => typeof v === 'number' && v <= runtimeNapi).sort((a, b) => b - a)
    : [];
  const modulePath = binary.module_path;
  const name = binary.module_name;
  const paths = versions.length > 0 ? versions.map((v) => modulePath.replaceAll('{napi_build_version}', String(v))) : [modulePath];
  return paths.filter((p) => !p.includes('{')).map((p) => path.resolve(packageDir, p, `${name}.node`));
}

let loaded: Promise<OdbcModule> | undefined;

/** The module, found and loaded once per process (every connection asks); a failed load is tried again next time. */
export function loadOdbcModule(): Promise<OdbcModule> {
  loaded ??= findAndLoad().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

async function findAndLoad(): Promise<OdbcModule> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('odbc/package.json');
  const binary = (JSON.parse(readFileSync(packageJson, 'utf8')) as { binary?: BinaryField }).binary ?? {};
  const binding = bindingCandidates(path.dirname(packageJson), binary, Number(process.versions.napi)).find((p) => existsSync(p));
  if (binding === undefined) return packageEntryPoint();
  const native = require(binding) as {
    connect(parameters: ConnectionParameters, callback: (error: Error | null, handle: unknown) => void): void;
  };
  const { Connection: ConnectionClass } = require('odbc/lib/Connection.js') as { Connection: new (handle: unknown) => Connection };
  return {
    connect: (parameters) =>
      new Promise((resolve, reject) => {
        native.connect(parameters, (error, handle) => (error ? reject(error) : resolve(new ConnectionClass(handle))));
      }),
  };
}

async function packageEntryPoint(): Promise<OdbcModule> {
  // node-pre-gyp parses process.argv as if it were its own command line: the agent's `--dir /x`
  // became its `--directory` and the module then looked for /x/<path>/package.json. Hide our
  // arguments while it loads.
  const argv = process.argv;
  process.argv = argv.slice(0, 2);
  try {
    return (await import('odbc')).default;
  } finally {
    process.argv = argv;
  }
}
