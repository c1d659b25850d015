import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createPrivateFilesFromNowOn, makeDataDirPrivate, type ExposedPath } from './private-files.ts';

/** Everything the agent keeps on disk lives in one folder (back it up, move it to a new server). */
export interface DataDirLayout {
  root: string;
  outbox: string;
  logFile: string;
  controlFile: string;
}

export function dataDirLayout(root: string): DataDirLayout {
  return {
    root,
    outbox: path.join(root, 'outbox.db'),
    logFile: path.join(root, 'logs', 'agent.log'),
    controlFile: path.join(root, 'control.json'),
  };
}

/**
 * Creates the data dir private to the agent's user, or makes an existing one private; returns the
 * paths that others could read until now, for the log.
 */
export function ensureDataDir(layout: DataDirLayout): ExposedPath[] {
  createPrivateFilesFromNowOn();
  mkdirSync(path.dirname(layout.logFile), { recursive: true, mode: 0o700 });
  return makeDataDirPrivate(layout.root);
}
