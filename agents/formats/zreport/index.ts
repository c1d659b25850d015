export type { ZReport, ZReportCash, ZReportChecks, ZReportEncoding, ZReportFile } from './model.ts';
export { zLabel } from './model.ts';
export { detectZReport, parseZReport, type ZReportOptions } from './parse-zreport.ts';
export { checkCash, checkTenders, checkZReports } from './check-zreport.ts';
export { toOffsetTime, offsetMinutes } from './zoned-time.ts';
