/**
 * `npm run deb:agent`: the headless agent as a Debian package, tya-agent_<version>_<arch>.deb in out/.
 *
 * /usr/lib/tya-agent holds the compiled agent (dist/agents), the node_modules it loads at run time
 * and the Node.js 24 it runs on (Debian 12's nodejs is 20, which the agent refuses; the binary is
 * the one the project builds and tests with, .tools/node); /usr/bin/tya-agent is a launcher. No
 * systemd unit: `tya-agent service install` generates it for the site (docs/packaging.md).
 *
 *   node scripts/packaging/deb-agent.ts [--out DIR] [--no-build] [--fast]
 *
 * --fast compresses with gzip -1 instead of xz -6 (seconds instead of minutes for the 100 MiB
 * runtime): for the package test, which checks the contents, not the compression.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  changelogFile,
  controlFile,
  copyrightFile,
  INSTALL_DIR,
  launcherScript,
  lintianOverridesFile,
  manualPage,
  PACKAGE_NAME,
} from './deb-metadata.ts';
import { copyPackage, danglingRelativeImports, isShippedAgentFile, listFiles, normalizeModes, removeEmptyDirs } from './deb-staging.ts';
import { dependencyClosure, importedPackages } from './runtime-dependencies.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface DebBuildOptions {
  /** The checkout: its dist/, node_modules/ and package.json. */
  root: string;
  outDir: string;
  /** The Node.js 24 binary to bundle. */
  nodeBinary: string;
  /** Compile dist/ first (tsconfig.build.json). */
  build: boolean;
  /** The changelog's date and the copyright year. */
  now: Date;
  /** gzip -1 instead of xz -6: same contents, a bigger file, built several times faster. */
  fast: boolean;
}

export interface DebBuildResult {
  file: string;
  bytes: number;
  packages: number;
}

export function buildAgentDeb(options: DebBuildOptions): DebBuildResult {
  const { root } = options;
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  // Built into a folder of its own, from scratch: tsc never deletes output whose source moved or left
  // the build (a stale file would ship), and the checkout's dist/ may be in use (tests, the demo).
  const compiled = options.build ? mkdtempSync(path.join(os.tmpdir(), 'tya-deb-dist-')) : path.join(root, 'dist');
  if (options.build) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', compiled], { cwd: root, stdio: 'inherit' });
  }
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const stage = mkdtempSync(path.join(os.tmpdir(), 'tya-deb-'));
  try {
    const tree = path.join(stage, 'root');
    const lib = path.join(tree, INSTALL_DIR);
    const doc = path.join(tree, 'usr/share/doc', PACKAGE_NAME);

    // The agent, without test code and source maps.
    const agentFrom = path.join(compiled, 'agents');
    cpSync(agentFrom, path.join(lib, 'dist/agents'), {
      recursive: true,
      filter: (source) => statSync(source).isDirectory() || isShippedAgentFile(path.relative(agentFrom, source)),
    });
    const dangling = danglingRelativeImports(path.join(lib, 'dist'));
    if (dangling.length > 0) throw new Error(`The agent imports files the package leaves out:\n  ${dangling.join('\n  ')}\nShip them or move them out of test code.`);
    // engine/version.ts reads the version from here; "type": "module" makes Node load dist/ as ESM.
    writeFileSync(path.join(lib, 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module' }, null, 2)}\n`);

    // Its run-time node_modules (native modules as built for Node 24 in this checkout).
    const closure = dependencyClosure(root, importedPackages(agentFrom));
    for (const dir of closure) copyPackage(path.join(root, dir), path.join(lib, dir), `${process.platform}-${process.arch}`);
    removeEmptyDirs(path.join(lib, 'node_modules'));

    // The runtime, stripped of its debug symbols (121 to 104 MiB); .dynsym stays, which the native modules link against.
    const node = path.join(lib, 'node');
    copyFileSync(options.nodeBinary, node);
    execFileSync('strip', ['--remove-section=.comment', node]);
    const nativeModules = listFiles(lib).filter((f) => f.endsWith('.node')).map((f) => path.join(lib, f));
    for (const file of nativeModules) execFileSync('strip', ['--strip-unneeded', '--remove-section=.comment', file]);

    const launcher = path.join(tree, 'usr/bin', PACKAGE_NAME);
    mkdirSync(path.dirname(launcher), { recursive: true });
    writeFileSync(launcher, launcherScript());
    writeGzip(path.join(tree, 'usr/share/man/man1', `${PACKAGE_NAME}.1.gz`), manualPage(pkg.version));
    mkdirSync(doc, { recursive: true });
    writeFileSync(path.join(doc, 'copyright'), copyrightFile(options.now.getUTCFullYear()));
    writeGzip(path.join(doc, 'changelog.gz'), changelogFile(pkg.version, rfc5322(options.now)));
    writeGzip(path.join(doc, 'node-LICENSE.gz'), readFileSync(path.join(path.dirname(path.dirname(realNode(options.nodeBinary))), 'LICENSE'), 'utf8'));
    const overrides = path.join(tree, 'usr/share/lintian/overrides', PACKAGE_NAME);
    mkdirSync(path.dirname(overrides), { recursive: true });
    writeFileSync(overrides, lintianOverridesFile());

    normalizeModes(tree, new Set([node, launcher]));
    const files = listFiles(tree);
    const control = path.join(tree, 'DEBIAN');
    mkdirSync(control, { mode: 0o755 });
    writeFileSync(
      path.join(control, 'control'),
      controlFile({
        version: pkg.version,
        architecture: arch,
        installedSize: files.reduce((sum, f) => sum + Math.ceil(statSync(path.join(tree, f)).size / 1024), 0),
        sharedLibraryDepends: sharedLibraryDepends(stage, [node, ...nativeModules]),
      }),
    );
    writeFileSync(path.join(control, 'md5sums'), files.map((f) => `${md5(path.join(tree, f))}  ${f}\n`).join(''));
    normalizeModes(control, new Set());

    mkdirSync(options.outDir, { recursive: true });
    const file = path.join(options.outDir, `${PACKAGE_NAME}_${pkg.version}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', ...(options.fast ? ['-Zgzip', '-z1'] : ['-Zxz']), '--build', tree, file], { stdio: ['ignore', 'ignore', 'inherit'] });
    return { file, bytes: statSync(file).size, packages: closure.length };
  } finally {
    rmSync(stage, { recursive: true, force: true });
    if (options.build) rmSync(compiled, { recursive: true, force: true });
  }
}

/**
 * The Depends of the ELF files, from the shlibs/symbols files of the libraries they link (dpkg-shlibdeps).
 * Its warnings are expected noise: the .node modules take napi_* symbols from the process ("probably a
 * plugin"), and Node's official build links libdl/libpthread it no longer needs.
 */
function sharedLibraryDepends(stage: string, elfFiles: string[]): string {
  mkdirSync(path.join(stage, 'debian'));
  writeFileSync(path.join(stage, 'debian/control'), `Source: ${PACKAGE_NAME}\n\nPackage: ${PACKAGE_NAME}\nArchitecture: any\n`);
  const out = execFileSync('dpkg-shlibdeps', ['-O', '--warnings=0', ...elfFiles], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return /^shlibs:Depends=(.*)$/m.exec(out)?.[1]?.trim() ?? '';
}

function writeGzip(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // gzip -9n: best compression, no name or time stamp in the header (reproducible, lintian checks it).
  writeFileSync(file, gzipSync(Buffer.from(text), { level: 9 }));
}

function md5(file: string): string {
  return createHash('md5').update(readFileSync(file)).digest('hex');
}

function realNode(binary: string): string {
  return execFileSync('readlink', ['-f', binary], { encoding: 'utf8' }).trim();
}

function rfc5322(date: Date): string {
  const day = date.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1, $2 $3 $4 $5 +0000');
  return day;
}

function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: path.join(ROOT, 'out') }, 'no-build': { type: 'boolean', default: false }, fast: { type: 'boolean', default: false } },
    strict: true,
  });
  const started = Date.now();
  const result = buildAgentDeb({
    root: ROOT,
    outDir: path.resolve(values.out),
    nodeBinary: path.join(ROOT, '.tools/node/bin/node'),
    build: !values['no-build'],
    now: new Date(),
    fast: values.fast,
  });
  process.stdout.write(
    `Built ${path.relative(process.cwd(), result.file)}: ${(result.bytes / 1024 / 1024).toFixed(1)} MiB, ` +
      `${result.packages} npm packages, in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`,
  );
}

if (import.meta.main) main();
