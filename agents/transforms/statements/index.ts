export type { SourceFileRef } from './source-file.ts';
export { entryRecord, statementId, statementRecord } from './statement-records.ts';
export { zReportRecord } from './zreport-record.ts';
export { fileRecord, type FileSummary } from './file-record.ts';
export { StatementSeries, type SeriesChange } from './statement-series.ts';
export { ZSeries } from './z-series.ts';
