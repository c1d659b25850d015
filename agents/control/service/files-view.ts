/**
 * The Files and Shifts screens, read from where the folder source leaves files: imported ones in
 * `archive/YYYY-MM-DD/`, rejected and duplicate ones in `quarantine/` beside a sidecar that says why
 * (agents/sources/folder/file-mover.ts). Shift-close reports are parsed again from the archived
 * original, so the screen shows the till's own Z number, total and over/short.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileEntry, FolderSourceConfig, Shift } from '../../api/index.ts';
import type { FileVoid, HeldFile } from '../../outbox/index.ts';
import type { StoredFileRow } from './outbox-reader.ts';

const SIDECARS = ['.error.txt', '.duplicate.txt'] as const;

export interface FileDecisionsView {
  held: readonly HeldFile[];
  voids: readonly FileVoid[];
}

export async function folderFiles(config: FolderSourceConfig, stored: readonly StoredFileRow[], decisions: FileDecisionsView = { held: [], voids: [] }): Promise<FileEntry[]> {
  const archive = path.resolve(config.path, config.archiveDir);
  const quarantine = path.resolve(config.path, config.quarantineDir);
  const byName = new Map<string, StoredFileRow>();
  for (const row of stored) if (!byName.has(row.name)) byName.set(row.name, row);
  const entries: FileEntry[] = [];
  for (const day of await listDir(archive)) {
    const dayDir = path.join(archive, day);
    for (const name of await listDir(dayDir)) {
      const file = path.join(dayDir, name);
      const info = await stat(file).catch(() => null);
      if (info === null || !info.isFile()) continue;
      const row = byName.get(originalName(name));
      const voided = row === undefined ? undefined : decisions.voids.find((v) => v.sha256 === row.sha256);
      entries.push({
        source: config.name,
        name,
        outcome: voided === undefined ? 'imported' : 'voided',
        at: info.mtime.toISOString(),
        bytes: info.size,
        reason: null,
        detail: null,
        path: file,
        upload: row?.uploadState ?? 'none',
        sha256: row?.sha256 ?? null,
        void: voided === undefined ? null : voided.doneAt === null ? 'pending' : 'done',
      });
    }
  }
  const names = await listDir(quarantine);
  for (const name of names) {
    if (SIDECARS.some((suffix) => name.endsWith(suffix))) continue;
    const file = path.join(quarantine, name);
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile()) continue;
    const duplicate = names.includes(`${name}.duplicate.txt`);
    const sidecar = await readFile(`${file}${duplicate ? '.duplicate.txt' : '.error.txt'}`, 'utf8').catch(() => null);
    entries.push({
      source: config.name,
      name,
      outcome: duplicate ? 'duplicate' : 'rejected',
      at: info.mtime.toISOString(),
      bytes: info.size,
      reason: sidecar === null ? null : reasonOf(sidecar, duplicate),
      detail: sidecar,
      path: file,
      upload: 'none',
      sha256: null,
      void: null,
    });
  }
  for (const held of decisions.held) {
    if (held.state !== 'held') continue;
    entries.push({
      source: config.name,
      name: held.name,
      outcome: 'held',
      at: held.heldAt,
      bytes: held.bytes,
      reason: null,
      detail: null,
      path: held.path,
      upload: 'none',
      sha256: held.sha256,
      void: null,
    });
  }
  return entries.sort((a, b) => b.at.localeCompare(a.at));
}

/** "Why: …" of a quarantine note, or the first sentence of a duplicate note. */
function reasonOf(sidecar: string, duplicate: boolean): string {
  if (duplicate) return sidecar.split('\n')[0]?.trim() ?? '';
  const why = /^Why: (.*)$/m.exec(sidecar)?.[1];
  return (why ?? sidecar.split('\n')[0] ?? '').trim();
}

/** The archive renames "a.json" to "a (2).json" when taken; the outbox knows the name it arrived under. */
function originalName(name: string): string {
  return name.replace(/ \(\d+\)(\.[^.]*)?$/, '$1');
}

export async function folderShifts(config: FolderSourceConfig, files: readonly FileEntry[]): Promise<Shift[]> {
  const shifts: Shift[] = [];
  // The Z-report reader (with its CSV and zip readers) loads when a folder's shifts are first asked for.
  const { checkZReports, detectZReport, parseZReport, zLabel } = await import('../../formats/zreport/index.ts');
  for (const file of files) {
    if (file.outcome !== 'imported' || file.source !== config.name) continue;
    const bytes = await readFile(file.path).catch(() => null);
    if (bytes === null || detectZReport(bytes.subarray(0, 64 * 1024)) === undefined) continue;
    try {
      const parsed = await parseZReport(bytes, { file: file.name, timeZone: config.timeZone });
      for (const report of parsed.reports) {
        shifts.push({
          source: config.name,
          register: report.register,
          zLabel: zLabel(report),
          businessDay: report.businessDay,
          closedAt: report.closedAt,
          currency: report.currency,
          total: report.total,
          overShort: report.cash.difference,
          balanced: checkZReports([report]).checks.every((check) => check.passed),
          file: file.name,
          document: null,
          upload: file.upload,
        });
      }
    } catch {
      // It was imported, so it parsed then; a file changed in the archive since is not the screen's business.
    }
  }
  return shifts.sort((a, b) => b.closedAt.localeCompare(a.closedAt));
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
