import { readFileSync } from 'node:fs';

/** The agent's version, from package.json (two levels up in the source tree and in dist/). */
export const AGENT_VERSION: string = readVersion();

function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tya-sync-agent' && pkg.version) return pkg.version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}
