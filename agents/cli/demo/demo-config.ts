import type { AgentConfigInput } from '../../api/index.ts';
import { POS_STREAMS } from './pos-schema.ts';

/** The agent config the demo writes: one ODBC source on the sample POS database (SQLite over ODBC). */
export function demoAgentConfig(options: { posDatabase: string; cloudUrl: string; dataDir: string }): AgentConfigInput {
  return {
    agent: { name: 'Demo café back office', dataDir: options.dataDir },
    cloud: { url: options.cloudUrl, entity: 'demo-cafe', heartbeatIntervalSecs: 10 },
    sources: [
      {
        type: 'odbc',
        name: 'pos-db',
        dialect: 'sqlite',
        // Timeout: the till writes while we read; wait for its lock instead of failing.
        connectionString: `Driver={SQLite3};Database=${options.posDatabase};Timeout=5000`,
        timeZone: 'Europe/Berlin',
        intervalSecs: 2,
        streams: POS_STREAMS.map((stream) => ({ ...stream, keyColumns: [...stream.keyColumns], pageRows: 500 })),
      },
    ],
  };
}
