// The demo's till: a separate process that owns the POS database and keeps selling, as a real till
// does. It must not share a process with the agent: two copies of SQLite (better-sqlite3's and the
// ODBC driver's) in one process break each other's file locks, and the agent would read stale data.
// Protocol: JSON lines on stdout ({event: 'ready'|'receipts'|'shift-closed', …}); stops on SIGTERM.
import { PosActivity } from './pos-database.ts';

const [dbPath, seedText, intervalText] = process.argv.slice(2);
if (!dbPath) {
  process.stderr.write('usage: till-main.ts DB_PATH [SEED] [INTERVAL_MS]\n');
  process.exit(2);
}
const startAt = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
const pos = PosActivity.create(dbPath, { seed: Number(seedText ?? 7), startAt });
const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
emit({ event: 'ready', receipts: pos.count('receipts'), shifts: pos.count('shifts') });

let tick = 0;
const timer = setInterval(() => {
  tick += 1;
  emit({ event: 'receipts', ids: pos.addReceipts(1 + (tick % 3)) });
  if (tick % 6 === 0) {
    const registers = pos.registerIds();
    const register = registers[tick % registers.length]!;
    const closed = pos.closeShift(register);
    if (closed) emit({ event: 'shift-closed', register, zNumber: closed.zNumber, expectedCash: closed.expectedCash, countedCash: closed.countedCash });
    pos.openShift(register);
  }
}, Number(intervalText ?? 3000));

process.on('SIGTERM', () => {
  clearInterval(timer);
  pos.close();
  process.exit(0);
});
