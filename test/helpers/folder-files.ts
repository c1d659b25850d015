/**
 * For the folder-source tests over real processes: drop files into a watched folder the way people
 * and tills do (write under a temporary name, then rename), and state independently what the cloud
 * must end up holding for them (the records the agent's own transforms make from the parsed file).
 */
import { createHash } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseStatementBytes } from '../../agents/formats/index.ts';
import { checkZReports, parseZReport } from '../../agents/formats/zreport/index.ts';
import { entryRecord, zReportRecord } from '../../agents/transforms/statements/index.ts';
import type { JsonObject } from '../../agents/api/index.ts';
import type { SourceRow } from './reconcile.ts';

export function dropFile(dir: string, name: string, content: string | Uint8Array): { path: string; sha256: string } {
  const final = path.join(dir, name);
  writeFileSync(`${final}.part`, content);
  renameSync(`${final}.part`, final);
  return { path: final, sha256: createHash('sha256').update(content).digest('hex') };
}

/** What the cloud must hold for a bank file's entries. */
export async function expectedEntries(name: string, content: string, stream = 'bank_entries'): Promise<SourceRow[]> {
  const parsed = await parseStatementBytes(new TextEncoder().encode(content), name);
  return parsed.statements.flatMap((s) =>
    s.entries.map((entry) => {
      const record = entryRecord({ stream, accountId: s.accountId, entry, capturedAt: new Date().toISOString() });
      return { stream, key: record.key, data: record.data as JsonObject };
    }),
  );
}

/** What the cloud must hold for a Z-report file. */
export async function expectedZReports(name: string, content: string, stream = 'shift_reports'): Promise<SourceRow[]> {
  const sha256 = createHash('sha256').update(content).digest('hex');
  const parsed = await parseZReport(new TextEncoder().encode(content), { file: name });
  const { checks } = checkZReports(parsed.reports);
  return parsed.reports.map((report) => {
    const record = zReportRecord({
      stream,
      report,
      checks: checks.filter((c) => c.name.includes(`Z-${report.zNumber} of register ${report.register}`)),
      sourceFile: { sha256, name },
      capturedAt: new Date().toISOString(),
    });
    return { stream, key: record.key, data: record.data as JsonObject };
  });
}

/** Rows by key, the later file winning: overlapping downloads state the same entry twice. */
export function uniqueRows(rows: readonly SourceRow[]): SourceRow[] {
  return [...new Map(rows.map((r) => [`${r.stream}\u0000${JSON.stringify(r.key)}`, r])).values()];
}
