/**
 * The tray app's updates through electron-updater's generic provider. The feed URL built into the app
 * (electron-builder.yml `publish`, written to resources/app-update.yml) is the vendor's; a site that
 * mirrors updates gives its own at install time (`/UPDATEURL=…`, written to
 * %ProgramData%\TYA Sync Agent\update-url). When to restart the agent for an update (never during an
 * open shift or an upload) is the agent's policy, not decided here: the app only downloads, and
 * installs when it quits anyway.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Often enough that a fix arrives the same day; rare enough to be nothing on the network. */
export const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export function updateUrlFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (platform !== 'win32' || env.ProgramData === undefined || env.ProgramData === '') return null;
  return path.win32.join(env.ProgramData, 'TYA Sync Agent', 'update-url');
}

export type UpdateFeed = { type: 'built-in' } | { type: 'site'; url: string } | { type: 'problem'; message: string };

/**
 * The feed to use: the site's mirror when the installer left one, else the built-in feed. A broken
 * site URL turns updates off rather than falling back: the site chose its mirror, perhaps because the
 * vendor's feed is not to be reached from there.
 */
export function updateFeed(file: string | null): UpdateFeed {
  if (file === null || !existsSync(file)) return { type: 'built-in' };
  const url = readFileSync(file, 'utf8').trim();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { type: 'problem', message: `The update URL in ${file} is not a URL: "${url}". Updates are off until the file is fixed (or deleted, for the built-in feed).` };
  }
  // An update is code that will run: never over plain HTTP, where anyone on the path could swap it.
  if (parsed.protocol !== 'https:') {
    return { type: 'problem', message: `The update URL in ${file} must use https://; it is "${url}". Updates are off until the file is fixed (or deleted, for the built-in feed).` };
  }
  return { type: 'site', url: parsed.toString() };
}
