/**
 * One record per imported file: what the file was, what it held and which checks it passed. It is
 * the last record of a file, so its commit (with the checkpoint naming the file) is the moment the
 * file counts as imported; the cloud pairs it with the original uploaded under the same sha256.
 */
import type { JsonObject, Lane, SourceRecord } from '../../api/index.ts';
import type { CheckResult } from '../../formats/index.ts';

export interface FileSummary {
  sha256: string;
  name: string;
  bytes: number;
  kind: 'bank' | 'zreport';
  format: string;
  lane: Lane;
  statements: number;
  entries: number;
  reports: number;
  checks: readonly CheckResult[];
  warnings: readonly string[];
}

export function fileRecord(input: { stream: string; summary: FileSummary; capturedAt: string }): SourceRecord {
  const s = input.summary;
  // Counts as strings too: the cloud takes no JSON numbers in record data (cloud-api.md).
  const data: JsonObject = {
    sha256: s.sha256,
    name: s.name,
    bytes: String(s.bytes),
    kind: s.kind,
    format: s.format,
    statements: String(s.statements),
    entries: String(s.entries),
    reports: String(s.reports),
    checks: s.checks.map((c) => ({ name: c.name, status: c.status, message: c.message })),
    warnings: [...s.warnings],
  };
  return { stream: input.stream, key: { sha256: s.sha256 }, op: 'upsert', data, capturedAt: input.capturedAt };
}
