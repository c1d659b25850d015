export { OdbcSource } from './odbc-source.ts';
export type { OdbcConnection, OdbcConnectOptions, OdbcDriver, OdbcRows } from './odbc-driver.ts';
export { nodeOdbcDriver } from './odbc-driver.ts';
