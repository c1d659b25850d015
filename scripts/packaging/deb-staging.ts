/**
 * Filling the package's tree: the built agent without test code or source maps, and its run-time
 * node_modules without what only a compiler or a reader needs (sources of native modules, other
 * platforms' binaries, typings, docs, packages' own tests).
 */
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** Paths inside dist/agents that never ship: test code tsc still emits, and source maps. */
export function isShippedAgentFile(relative: string): boolean {
  const parts = relative.split(path.sep);
  if (parts.includes('scenarios') || parts.includes('test') || parts.includes('__fixtures__')) return false;
  return !/\.map$|\.test\.js$|-test-kit\.js$|test-harness\.js$|-scenarios\.js$|control-fixtures\.js$/.test(relative);
}

// Docs pages (pino ships an index.html that loads scripts from CDNs), VCS files, sources and typings.
const DROPPED_FILE = /\.(md|markdown|d\.ts|d\.mts|d\.cts|map|ts|mts|cts|gyp|gypi|mk|cc|cpp|c|h|hpp|o|a|tgz|tsbuildinfo)$|\.sh$|^(\.npmignore|\.gitattributes|\.gitignore|.*\.html|\.eslintrc.*|\.editorconfig|\.travis\.yml|\.prettierrc.*|Makefile|binding\.Makefile|config\.gypi|\.nycrc.*|\.airtap\.yml)$/i;
const DROPPED_DIR = /^(test|tests|__tests__|example|examples|\.github|\.husky|benchmark|benchmarks|coverage|\.vscode|obj\.target|\.deps)$/;
/** Directories of a native module's source tree: dropped only in packages that have a binding.gyp. */
const NATIVE_SOURCE_DIR = /^(src|deps|build-tmp-.*)$/;

/**
 * Copies one package directory (its nested node_modules are separate entries of the closure) and
 * prunes it. `platformPrebuild` (e.g. `linux-x64`) keeps only that platform's prebuilt binaries.
 */
export function copyPackage(from: string, to: string, platformPrebuild: string): void {
  const native = existsSync(path.join(from, 'binding.gyp'));
  cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(from, source);
      if (relative === '') return true;
      const parts = relative.split(path.sep);
      const name = parts[parts.length - 1]!;
      if (parts.includes('node_modules')) return false;
      if (statSync(source).isDirectory()) {
        if (DROPPED_DIR.test(name)) return false;
        if (native && parts.length === 1 && NATIVE_SOURCE_DIR.test(name)) return false;
        return true;
      }
      if (DROPPED_FILE.test(name)) return false;
      if (parts[0] === 'prebuilds' && !name.startsWith(platformPrebuild)) return false;
      return true;
    },
  });
}

/** Removes directories left empty by the pruning (lintian and dpkg list them for nothing). */
export function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory() && removeEmptyDirs(full)) rmSync(full, { recursive: true });
    else empty = false;
  }
  return empty;
}

/**
 * Debian's modes: directories 0755, files 0644, except the ELF executable and scripts named in
 * `executables`. Files inside npm packages lose their executable bit: Node reads them, nothing runs them.
 */
export function normalizeModes(dir: string, executables: ReadonlySet<string>): void {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      chmodSync(full, 0o755);
      normalizeModes(full, executables);
    } else {
      chmodSync(full, executables.has(full) ? 0o755 : 0o644);
    }
  }
}

/** Every file under `dir`, as paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix)).sort()) {
    const relative = path.join(prefix, entry);
    if (statSync(path.join(dir, relative)).isDirectory()) files.push(...listFiles(dir, relative));
    else files.push(relative);
  }
  return files;
}

/**
 * Relative imports of the copied agent that point at nothing: what the test-code filter would break
 * if production code ever imported a file it drops. Returns `file → missing target` lines.
 */
export function danglingRelativeImports(dir: string): string[] {
  const problems: string[] = [];
  for (const relative of listFiles(dir)) {
    if (!relative.endsWith('.js')) continue;
    const text = readFileSync(path.join(dir, relative), 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm)) {
      const target = path.join(path.dirname(path.join(dir, relative)), match[1] ?? match[2] ?? '');
      if (!existsSync(target)) problems.push(`${relative} → ${path.relative(dir, target)}`);
    }
  }
  return problems;
}
