/** A checked Z report → its outbox record (urgent lane), keyed `{register, zNumber}`. */
import type { JsonObject, SourceRecord } from '../../api/index.ts';
import type { CheckResult } from '../../formats/index.ts';
import type { ZReport } from '../../formats/zreport/index.ts';
import type { SourceFileRef } from './source-file.ts';

export function zReportRecord(input: {
  stream: string;
  report: ZReport;
  checks: readonly CheckResult[];
  sourceFile: SourceFileRef;
  capturedAt: string;
}): SourceRecord {
  const { report } = input;
  const data: JsonObject = {
    register: report.register,
    zNumber: report.zNumber,
    businessDay: report.businessDay,
    openedAt: report.openedAt,
    closedAt: report.closedAt,
    currency: report.currency,
    total: report.total,
    tenders: { ...report.tenders },
    cash: { ...report.cash },
    checks: input.checks.map((c) => ({ name: c.name, status: c.status, message: c.message })),
    sourceFile: { sha256: input.sourceFile.sha256, name: input.sourceFile.name },
  };
  if (report.receiptCount !== undefined) data.receiptCount = String(report.receiptCount);
  return { stream: input.stream, key: { register: report.register, zNumber: report.zNumber }, op: 'upsert', data, capturedAt: input.capturedAt };
}
