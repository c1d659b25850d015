/**
 * The little of the npm `odbc` package the source uses, behind an interface so a test can put a
 * driver that fails to connect in its place. The default loads the native module on first use, so
 * importing the source registry does not load ODBC for agents that have no ODBC source.
 */
import { NotConnectedError } from '../../pipeline/errors.ts';
import { loadOdbcModule, type OdbcModule } from './odbc-binding.ts';

/** Column metadata as the driver describes it (`result.columns`). */
export interface OdbcColumn {
  name: string;
  dataTypeName: string;
  columnSize: number;
}

/** Rows of one query; values are `string | number | bigint | ArrayBuffer | null` depending on the type. */
export interface OdbcRows extends Array<Record<string, unknown>> {
  columns: OdbcColumn[];
}

export interface OdbcConnection {
  /** Parameters are bound as strings: the SQL casts them to the column's type. */
  query(sql: string, parameters?: string[]): Promise<OdbcRows>;
  /** A result read `fetchSize` rows at a time (exports of any size); an empty page ends it. */
  cursor?(sql: string, fetchSize: number): Promise<OdbcCursor>;
  close(): Promise<void>;
}

export interface OdbcCursor {
  fetch(): Promise<OdbcRows>;
  close(): Promise<void>;
}

export interface OdbcConnectOptions {
  connectionString: string;
  loginTimeoutSecs: number;
  /**
   * The first buffer (bytes) the `odbc` package gives each long-varchar cell before it reads the
   * value with SQLGetData; undefined: the package's 1 MiB. See Dialect.longValueBufferBytes.
   */
  longValueBufferBytes?: number;
}

export interface OdbcDriver {
  connect(options: OdbcConnectOptions): Promise<OdbcConnection>;
}

export const nodeOdbcDriver: OdbcDriver = {
  async connect(options) {
    const odbc = await loadOdbc();
    const connection = await odbc.connect({
      connectionString: options.connectionString,
      loginTimeout: options.loginTimeoutSecs,
    });
    const buffer = options.longValueBufferBytes === undefined ? {} : { initialBufferSize: options.longValueBufferBytes };
    return {
      query: async (sql, parameters) =>
        (parameters === undefined || parameters.length === 0
          ? await connection.query(sql, buffer)
          : await connection.query(sql, parameters, buffer)) as unknown as OdbcRows,
      cursor: async (sql, fetchSize) => {
        const cursor = await connection.query(sql, { ...buffer, cursor: true, fetchSize });
        return { fetch: async () => (await cursor.fetch()) as unknown as OdbcRows, close: () => cursor.close() };
      },
      close: () => connection.close(),
    };
  },
};

/** The native module, loaded on first use; a build without it is explained, not a crash. */
export async function loadOdbc(): Promise<OdbcModule> {
  try {
    return await loadOdbcModule();
  } catch (error) {
    throw new NotConnectedError('odbc_module_missing', `The ODBC module of the agent could not be loaded (${(error as Error).message}).`, {
      cause: error,
      hint: 'Install unixODBC (sudo apt-get install unixodbc) and rebuild the agent (npm run setup).',
    });
  }
}
