/** Test support: the real ODBC driver, with every query's SQL and row count recorded. */
import type { OdbcDriver } from '../odbc-driver.ts';
import { nodeOdbcDriver } from '../odbc-driver.ts';

export interface QueryLog {
  sql: string;
  rows: number;
}

export function countingDriver(log: QueryLog[]): OdbcDriver {
  return {
    connect: async (options) => {
      const connection = await nodeOdbcDriver.connect(options);
      return {
        query: async (sql, parameters) => {
          const rows = await connection.query(sql, parameters);
          log.push({ sql, rows: rows.length });
          return rows;
        },
        close: () => connection.close(),
      };
    },
  };
}
