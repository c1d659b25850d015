import type { AgentConfigInput } from '../../api/index.ts';
import { POS_STREAMS } from './pos-schema.ts';

/** The books the demo's data belongs to; the demo's sandbox enrolls the agent for this entity. */
export const DEMO_ENTITY = 'demo-cafe';

/** The agent config the demo writes: one ODBC source on the sample POS database (SQLite over ODBC). */
export function demoAgentConfig(options: { posDatabase: string; cloudUrl: string; dataDir: string }): AgentConfigInput {
  return {
    agent: { name: 'Demo café back office', dataDir: options.dataDir },
    cloud: { url: options.cloudUrl, entity: DEMO_ENTITY, heartbeatIntervalSecs: 10 },
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
        // A closed shift also goes out as one checked document in the urgent lane: the Z report.
        documents: [
          {
            name: 'shift_close',
            currency: 'EUR',
            shift: {
              table: 'shifts',
              keyColumns: ['shift_id'],
              registerColumn: 'register_id',
              zNumberColumn: 'z_number',
              closedWhen: { type: 'closeColumnSet', column: 'closed_at' },
            },
            receipts: { table: 'receipts', match: { shift_id: 'shift_id' }, idColumn: 'receipt_id', totalColumn: 'total' },
            lines: {
              sql: 'SELECT l.* FROM receipt_lines l JOIN receipts r ON r.receipt_id = l.receipt_id WHERE r.shift_id = ? ORDER BY l.line_id',
              receiptColumn: 'receipt_id',
              totalColumn: 'line_total',
            },
            payments: {
              sql: 'SELECT p.* FROM payments p JOIN receipts r ON r.receipt_id = p.receipt_id WHERE r.shift_id = ? ORDER BY p.payment_id',
              receiptColumn: 'receipt_id',
              tenderColumn: 'tender',
              amountColumn: 'amount',
            },
            cash: { countedColumn: 'counted_cash', expectedColumn: 'expected_cash' },
          },
        ],
      },
    ],
  };
}
