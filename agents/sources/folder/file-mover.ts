/**
 * Moves a handled file out of the watched folder: into `archive/YYYY-MM-DD/` once its records are
 * committed, or into `quarantine/` with a sidecar that says why. Never overwrites: a name that is
 * taken gets " (2)", " (3)"… before its extension.
 */
import { copyFile, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Moved {
  /** Where the file is now. */
  path: string;
  /** Its name there (may differ from the original when the name was taken). */
  name: string;
}

export async function moveInto(file: string, dir: string): Promise<Moved> {
  await mkdir(dir, { recursive: true });
  const base = path.basename(file);
  for (let n = 1; ; n += 1) {
    const name = n === 1 ? base : withSuffix(base, n);
    const target = path.join(dir, name);
    if (await exists(target)) continue;
    await moveFile(file, target);
    return { path: target, name };
  }
}

export async function writeSidecar(
  moved: Moved,
  suffix: '.error.txt' | '.duplicate.txt',
  text: string,
): Promise<string> {
  const sidecar = `${moved.path}${suffix}`;
  await writeFile(sidecar, text.endsWith('\n') ? text : `${text}\n`, 'utf8');
  return sidecar;
}

/** `YYYY-MM-DD` (UTC) of an epoch time: the archive's day folder. */
export function dayFolder(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    // Archive on another disk or share: copy, then remove the original.
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await unlink(from);
  }
}

function withSuffix(name: string, n: number): string {
  const ext = path.extname(name);
  return ext === '' || ext === name ? `${name} (${n})` : `${name.slice(0, -ext.length)} (${n})${ext}`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
