/**
 * `tya-agent sink list`: each broker sink's queue (docs/rabbitmq-sink.md): records waiting, published
 * and not yet confirmed, confirmed, republished, and the last error. Reads the outbox read-only, so
 * it works while the agent runs and changes nothing.
 */
import { existsSync } from 'node:fs';
import type { SinkStatus } from '../../api/index.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import type { CliIo } from '../cli-io.ts';
import { resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export function sinkListCommand(options: { config?: string; json?: boolean }, io: CliIo): ExitCodeValue {
  const loaded = resolveConfig(options.config);
  const sinks = loaded.config.sinks ?? [];
  const layout = dataDirLayout(loaded.dataDir);
  let rows: SinkStatus[];
  if (existsSync(layout.outbox)) {
    const outbox = Outbox.openReadonly(layout.outbox, systemClock);
    try {
      rows = outbox.sinks.status(sinks);
    } finally {
      outbox.close();
    }
  } else {
    rows = [];
  }
  if (options.json) {
    io.out(JSON.stringify(rows, null, 2));
    return ExitCode.ok;
  }
  if (sinks.length === 0) {
    io.out(`No sinks are configured in ${loaded.file} ("sinks").`);
    return ExitCode.ok;
  }
  if (rows.length === 0) io.out('The agent has not run yet: nothing is queued.');
  for (const row of rows) io.out(formatSink(row));
  return ExitCode.ok;
}

export function formatSink(row: SinkStatus): string {
  const lines = [
    `${row.name} (rabbitmq → exchange ${row.exchange}): ${row.state}`,
    `  queued ${row.queued}, published and unconfirmed ${row.unconfirmed}, confirmed ${row.confirmed}, republished ${row.republished}`,
  ];
  if (row.lastConfirmedAt !== null) lines.push(`  last confirm ${row.lastConfirmedAt}`);
  if (row.lastError !== null) lines.push(`  last error ${row.lastError.at}: ${row.lastError.message}`);
  return lines.join('\n');
}
