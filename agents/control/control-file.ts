import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL_FILE_NAME, ControlFileSchema } from './control-protocol.ts';
import type { ControlFile } from './control-protocol.ts';

export function controlFilePath(dataDir: string): string {
  return join(dataDir, CONTROL_FILE_NAME);
}

/**
 * Writes the discovery file readable only by the agent's user. The file is created 0600 under a
 * temporary name and renamed into place, so the token is never world-readable, not even while an
 * older file is being replaced or half written.
 */
export function writeControlFileSync(dataDir: string, content: ControlFile): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temp = join(dataDir, `.${CONTROL_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, controlFilePath(dataDir));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The discovery file, or null when there is none or it is not one of ours. */
export function readControlFileSync(dataDir: string): ControlFile | null {
  let text: string;
  try {
    text = readFileSync(controlFilePath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = ControlFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Removes the file only if it is still ours: a newer agent may have replaced it. */
export function removeControlFileSync(dataDir: string, token: string): void {
  if (readControlFileSync(dataDir)?.token === token) rmSync(controlFilePath(dataDir), { force: true });
}
