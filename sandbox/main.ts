/**
 * The sandbox cloud as a program, for the demo and for IT trying a configuration safely:
 *   node sandbox/main.ts [--port 8787] [--db .data/sandbox.db] [--files-dir DIR] [--enrollment-key KEY]... [--entity E]...
 * Prints one JSON line {"event":"listening","url":…} on stdout; logs one sentence per request on stderr.
 */
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from './server.ts';

function log(sentence: string): void {
  process.stderr.write(`${new Date().toISOString()} ${sentence}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      db: { type: 'string', default: '.data/sandbox.db' },
      'files-dir': { type: 'string' },
      'enrollment-key': { type: 'string', multiple: true, default: [] },
      // The entities of keys that name none (those above and POST /admin/enrollment-keys without entities).
      entity: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port} is not a port number.`);
  const dbPath = resolve(values.db);
  const keys = values['enrollment-key'];
  const sandbox = await startSandbox({
    port,
    dbPath,
    filesDir: resolve(values['files-dir'] ?? join(dirname(dbPath), 'sandbox-files')),
    enrollmentKeys: keys,
    ...(values.entity.length > 0 ? { entities: values.entity } : {}),
    log,
  });
  if (keys.length === 0) {
    log(`No --enrollment-key given; create one with: curl -X POST ${sandbox.url}/admin/enrollment-keys`);
  }
  process.stdout.write(`${JSON.stringify({ event: 'listening', url: sandbox.url })}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`Received ${signal}; closing the sandbox.`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log(`Closing failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  log(`The sandbox could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
