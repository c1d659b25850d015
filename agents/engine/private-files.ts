/**
 * The data dir holds the queue (every change of the books that has not reached the cloud yet), the
 * logs and the control token: only the agent's own user may read it. New files are created private
 * (the agent's umask), and an existing folder that others can read, from an install that predates
 * this or from a hand-made `mkdir`, is made private at start and said so in the log, because a
 * silent fix hides that the data was exposed. On Windows the folder's ACL decides; the installer
 * sets it, and mode bits mean nothing there.
 */
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface ExposedPath {
  path: string;
  /** The permission bits as found, e.g. 0o755. */
  mode: number;
  kind: 'folder' | 'file';
}

/** Permission bits for group and others. */
const SHARED_BITS = 0o077;
/**
 * The folder itself may be searchable by others (0711) while the agent runs: that is how other
 * users reach control-viewer.sock and control-operator.sock (role-sockets.ts). Search without read
 * lists nothing and opens only names whose own mode allows it, and every file here is 0600.
 */
const ROOT_SHARED_BITS = 0o066;

/** Files and folders under `root` (itself included) that other users can read, write or enter. */
export function exposedDataPaths(root: string): ExposedPath[] {
  if (process.platform === 'win32') return [];
  const found: ExposedPath[] = [];
  const visit = (target: string) => {
    let stats;
    try {
      stats = lstatSync(target);
    } catch {
      return; // gone meanwhile, or never there
    }
    if (stats.isSymbolicLink()) return;
    const mode = stats.mode & 0o777;
    if (stats.isDirectory()) {
      if ((mode & (target === root ? ROOT_SHARED_BITS : SHARED_BITS)) !== 0) found.push({ path: target, mode, kind: 'folder' });
      for (const name of readdirSync(target)) visit(path.join(target, name));
    } else if (stats.isFile() && (mode & SHARED_BITS) !== 0) {
      found.push({ path: target, mode, kind: 'file' });
    }
  };
  visit(root);
  return found;
}

/** Takes group and other permissions off what `exposedDataPaths` finds; returns what it changed. */
export function makeDataDirPrivate(root: string): ExposedPath[] {
  const exposed = exposedDataPaths(root);
  for (const entry of exposed) chmodSync(entry.path, entry.mode & ~SHARED_BITS);
  return exposed;
}

/** Files the agent creates from now on are its user's only (SQLite's WAL and SHM copy the database's mode). */
export function createPrivateFilesFromNowOn(): void {
  if (process.platform !== 'win32') process.umask(0o077);
}

export function describeExposed(entry: ExposedPath): string {
  return `${entry.path} (${entry.kind}, mode ${entry.mode.toString(8).padStart(4, '0')})`;
}
