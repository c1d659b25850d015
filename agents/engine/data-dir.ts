import { mkdirSync } from 'node:fs';
import path from 'node:path';

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

export function ensureDataDir(layout: DataDirLayout): void {
  mkdirSync(path.dirname(layout.logFile), { recursive: true, mode: 0o700 });
}
