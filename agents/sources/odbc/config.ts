/** The ODBC source's configuration: declared once in agents/api (the public contract), used here. */
export { OdbcSourceSchema, OdbcStreamSchema } from '../../api/index.ts';
export type { OdbcSourceConfig, OdbcStreamConfig } from '../../api/index.ts';
