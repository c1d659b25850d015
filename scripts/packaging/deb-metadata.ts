/**
 * The text files of the agent's Debian package: DEBIAN/control, the copyright file, the changelog,
 * the launcher, the manual page and the lintian overrides. Pure functions of the version and the
 * date, so the package builder stays about files and tools.
 */

export const PACKAGE_NAME = 'tya-agent';
export const INSTALL_DIR = `/usr/lib/${PACKAGE_NAME}`;
export const MAINTAINER = 'Talk to Your Accounts <support@talktoyouraccounts.example>';

export interface ControlFields {
  version: string;
  /** Debian architecture, e.g. `amd64`. */
  architecture: string;
  /** Kibibytes the installed files take (dpkg shows it before installing). */
  installedSize: number;
  /** From dpkg-shlibdeps over the ELF files (node, the .node modules), e.g. `libc6 (>= 2.34), libstdc++6 (>= 12)`. */
  sharedLibraryDepends: string;
}

/**
 * unixodbc: odbc.node links libodbc, and the ODBC drivers and `odbcinst` come with it; libsecret-1-0:
 * keytar talks to the Secret Service through it. The drivers themselves are per database, so they are
 * suggestions, not dependencies.
 */
export function controlFile(fields: ControlFields): string {
  return [
    `Package: ${PACKAGE_NAME}`,
    `Version: ${fields.version}`,
    `Architecture: ${fields.architecture}`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${fields.installedSize}`,
    `Depends: ${dependsField(fields.sharedLibraryDepends, ['unixodbc', 'libsecret-1-0'])}`,
    'Recommends: gnome-keyring',
    'Suggests: odbc-postgresql, odbc-mariadb, libsqliteodbc',
    'Section: net',
    'Priority: optional',
    'Homepage: https://talktoyouraccounts.example/agent',
    'Description: TYA Sync Agent: sync of ERP, POS and bank data to the cloud',
    ' The headless agent of Talk to Your Accounts: reads ERP and point-of-sale',
    ' databases over ODBC and bank statement files, and sends the changes to the',
    ' Talk to Your Accounts cloud exactly once, through an on-disk outbox that',
    ' survives crashes and network outages.',
    ' .',
    ' The package bundles the Node.js 24 runtime the agent is tested with.',
    '',
  ].join('\n');
}

/** The shared-library dependencies plus `extra`, each package once (the first, versioned, mention wins). */
export function dependsField(sharedLibraryDepends: string, extra: readonly string[]): string {
  const all = [...sharedLibraryDepends.split(','), ...extra].map((d) => d.trim()).filter((d) => d !== '');
  const seen = new Set<string>();
  return all.filter((d) => {
    const name = d.split(/[\s(]/)[0]!;
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  }).join(', ');
}

/** Machine-readable copyright (DEP-5): the agent's own terms and the bundled runtime's. */
export function copyrightFile(year: number): string {
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: tya-agent',
    'Source: https://talktoyouraccounts.example/agent',
    '',
    'Files: *',
    `Copyright: ${year} Talk to Your Accounts`,
    'License: proprietary',
    ' All rights reserved. Use is governed by the Talk to Your Accounts subscription',
    ' agreement.',
    '',
    `Files: ${INSTALL_DIR}/node`,
    'Copyright: Node.js contributors',
    'License: Expat',
    ' The Node.js runtime, bundled unchanged (stripped of debug symbols). Its full',
    ' license, including those of the libraries it embeds, is in',
    ` /usr/share/doc/${PACKAGE_NAME}/node-LICENSE.gz.`,
    '',
    `Files: ${INSTALL_DIR}/node_modules/*`,
    'Copyright: the authors of each package',
    'License: various',
    ' Each package under node_modules keeps its own license file beside its',
    ' package.json; all are permissive (MIT, ISC, Apache-2.0, BSD).',
    '',
  ].join('\n');
}

/** A native package's changelog (no Debian revision): one entry for this build. `date` is RFC 5322. */
export function changelogFile(version: string, date: string): string {
  return [
    `${PACKAGE_NAME} (${version}) stable; urgency=medium`,
    '',
    `  * Release ${version} of the TYA Sync Agent.`,
    '',
    ` -- ${MAINTAINER}  ${date}`,
    '',
  ].join('\n');
}

/**
 * /usr/bin/tya-agent. It finds the installation from its own path, not a fixed /usr/lib, so the same
 * file works after `dpkg --instdir` into a throwaway root (the package test runs it from there).
 * Always the bundled Node: Debian's nodejs is 20, which the agent refuses (node-version.ts).
 */
export function launcherScript(): string {
  return [
    '#!/bin/sh',
    '# tya-agent: runs the TYA Sync Agent with the Node.js 24 bundled in this package.',
    'set -e',
    'bin_dir=$(dirname "$(readlink -f "$0")")',
    `lib_dir="$bin_dir/../lib/${PACKAGE_NAME}"`,
    'exec "$lib_dir/node" "$lib_dir/dist/agents/cli/main.js" "$@"',
    '',
  ].join('\n');
}

/** tya-agent(1): short, and points at `--help`, which is the full and current reference. */
export function manualPage(version: string): string {
  return [
    `.TH TYA-AGENT 1 "" "tya-agent ${version}" "User Commands"`,
    '.SH NAME',
    'tya-agent \\- sync ERP, POS and bank data to the Talk to Your Accounts cloud',
    '.SH SYNOPSIS',
    '.B tya-agent',
    '.I command',
    '[\\fIoptions\\fR]',
    '.SH DESCRIPTION',
    'The headless TYA Sync Agent. Commonly used commands:',
    '.TP',
    '.B run',
    'run the agent until stopped (what the service runs)',
    '.TP',
    '.B enroll',
    'trade a one-time enrollment key for this agent\'s credentials (key on standard input or in a file)',
    '.TP',
    '.B status',
    'what is running, queued and failing',
    '.TP',
    '.B doctor',
    'check the configuration, the ODBC drivers, the keychain and the network',
    '.PP',
    'Run',
    '.B tya-agent \\-\\-help',
    'or',
    '.B tya-agent',
    '.I command',
    '.B \\-\\-help',
    'for every command and option.',
    '.SH FILES',
    '.TP',
    '.I /etc/tya-agent/agent.json',
    'the configuration (secrets are never in it: they are in the keychain)',
    '.TP',
    `.I ${INSTALL_DIR}`,
    'the agent and the Node.js runtime it runs on',
    '',
  ].join('\n');
}

/**
 * Each override with the reason it is right for this package. lintian reads `#` lines as comments;
 * the package test checks that every override has one above it.
 */
export const LINTIAN_OVERRIDES: ReadonlyArray<{ tag: string; reason: string }> = [
  {
    tag: 'hardening-no-pie',
    reason:
      "The bundled Node.js 24 is the Node project's own Linux build, which is not linked as PIE; Debian's nodejs is 20, too old for the agent (node-version.ts), and rebuilding Node is out of scope.",
  },
  {
    tag: 'embedded-library',
    reason:
      "The bundled Node.js 24 links its own zlib (and OpenSSL, libuv, ICU), as every official Node build does; the agent is tested with exactly this binary, and Debian 12's nodejs is 20.",
  },
  {
    tag: 'script-not-executable',
    reason:
      'JavaScript modules with a #!/usr/bin/env node line (the agent\'s dist/agents/cli/main.js, command-line helpers inside npm packages): Node imports them, nothing executes them; /usr/bin/tya-agent runs main.js through the bundled node.',
  },
  {
    tag: 'embedded-javascript-library',
    reason:
      "npm packages the agent imports (async, bluebird) as their authors publish them: Node resolves them from node_modules, so Debian's libjs-* copies (made for browsers, under /usr/share/javascript) cannot stand in.",
  },
];

export function lintianOverridesFile(): string {
  return LINTIAN_OVERRIDES.map(({ tag, reason }) => `# ${reason}\n${PACKAGE_NAME}: ${tag}\n`).join('');
}
