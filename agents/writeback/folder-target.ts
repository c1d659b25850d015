/**
 * Write-back into an import folder: one JSON file named after the item id, written to a temp name,
 * fsynced, renamed, and the folder fsynced, so the ERP's importer sees a whole file or none.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WritebackItem } from '../api/writeback.ts';
import type { FolderWritebackTarget } from '../api/writeback-config.ts';
import type { Fields } from './conflict-policy.ts';

export function fileNameFor(itemId: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(itemId) || itemId.startsWith('.')) {
    throw new Error(`Write-back item id "${itemId}" cannot be a file name; the cloud sends ids of letters, digits, _ . and -.`);
  }
  return `${itemId}.json`;
}

export function writeItemFile(target: FolderWritebackTarget, item: WritebackItem, fields: Fields, beforeRename?: () => void): Record<string, string | null> {
  const mapped: Record<string, string | null> = {};
  for (const [field, name] of Object.entries(target.columns)) {
    if (field in fields) mapped[name] = fields[field] ?? null;
  }
  mkdirSync(target.path, { recursive: true });
  const name = fileNameFor(item.id);
  const temp = join(target.path, `.${name}.tmp`);
  const body = JSON.stringify({ id: item.id, op: item.op, key: item.key, data: mapped }, null, 2);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  beforeRename?.();
  renameSync(temp, join(target.path, name));
  const dir = openSync(target.path, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return mapped;
}
