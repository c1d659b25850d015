export { OdbcSource } from './odbc-source.ts';
export type { OdbcConnection, OdbcConnectOptions, OdbcDriver, OdbcRows } from './odbc-driver.ts';
export { nodeOdbcDriver } from './odbc-driver.ts';
export { exportRows, type ExportPage } from './export/export-rows.ts';
export { writeExportFile, type ExportFormat, type WrittenExport } from './export/export-file.ts';
