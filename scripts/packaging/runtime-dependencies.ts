/**
 * Which installed packages the built agent needs at run time: the bare imports of dist/agents, then
 * the closure of their `dependencies` (and installed `optionalDependencies`), resolved the way Node
 * resolves them (nested node_modules first, then up). Nothing is taken from package.json's own
 * `dependencies` list: that one also holds the tray app's (electron-updater, react), which the
 * headless agent never loads.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * Needed to compile a native module, never to load one: keytar and odbc list them as dependencies
 * because they build from source when no prebuilt binary fits. The binaries shipped are already built.
 */
export const BUILD_ONLY_PACKAGES: ReadonlySet<string> = new Set(['node-addon-api', 'prebuild-install', 'node-gyp']);

// Statements only (tsc puts each on its own line), and npm's name rules: prose in a string such as
// "run 'tya-agent alerts'" or a message quoting `from 'x'` must not count as an import.
const NAME = String.raw`(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w.\/-]*)?`;
const IMPORT_PATTERN = new RegExp(
  String.raw`^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](${NAME})['"]|^\s*import\s*['"](${NAME})['"]|\bimport\(\s*['"](${NAME})['"]\s*\)|\brequire\(\s*['"](${NAME})['"]\s*\)`,
  'gm',
);

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string | null {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? null);
}

/** The packages the JavaScript files under `dir` import by bare name (Node's built-ins left out). */
export function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  for (const file of walk(dir)) {
    if (!file.endsWith('.js')) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT_PATTERN)) {
      const name = packageNameOf(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
      if (name !== null) found.add(name);
    }
  }
  return found;
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The directories (relative to `root`, e.g. `node_modules/odbc/node_modules/node-addon-api`) of
 * every package the `roots` need, build-only ones excluded. Throws naming the package and who needs
 * it when a required one is not installed: a package that cannot load must fail the build, not the site.
 */
export function dependencyClosure(root: string, roots: Iterable<string>): string[] {
  const dirs = new Set<string>();
  const queue: Array<{ name: string; from: string; optional: boolean; neededBy: string }> = [...roots].map((name) => ({
    name,
    from: root,
    optional: false,
    neededBy: 'dist/agents',
  }));
  while (queue.length > 0) {
    const next = queue.shift()!;
    // @types/* are declarations for the compiler (fast-csv lists @types/node as a dependency).
    if (BUILD_ONLY_PACKAGES.has(next.name) || next.name.startsWith('@types/')) continue;
    const dir = resolvePackageDir(root, next.from, next.name);
    if (dir === null) {
      if (next.optional) continue;
      throw new Error(`${next.name} (needed by ${next.neededBy}) is not installed under ${root}/node_modules: run npm ci first.`);
    }
    const relative = path.relative(root, dir);
    if (dirs.has(relative)) continue;
    dirs.add(relative);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    for (const name of Object.keys(pkg.dependencies ?? {})) queue.push({ name, from: dir, optional: false, neededBy: relative });
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ name, from: dir, optional: true, neededBy: relative });
  }
  return [...dirs].sort();
}

/** Node's lookup: `<from>/node_modules/<name>`, then each parent's, never above `root`. */
function resolvePackageDir(root: string, from: string, name: string): string | null {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.resolve(dir) === path.resolve(root)) return null;
    const parent = path.dirname(dir);
    // `from` is a package dir such as <root>/node_modules/a: its parent node_modules dir has no
    // node_modules of its own worth trying, so step over it.
    dir = path.basename(parent) === 'node_modules' ? path.dirname(parent) : parent;
    if (path.basename(dir).startsWith('@')) dir = path.dirname(path.dirname(dir));
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
