/**
 * Our side of the extraction benchmark: the real OdbcSource reads a stream until caught up (pages,
 * exact-text conversion, records), committing each page's checkpoint the way the engine does, but
 * into memory (no outbox): read + convert, nothing else. Connecting and planning are not timed.
 */
import type { OdbcSourceConfig } from '../../agents/api/index.ts';
import { OdbcSource, nodeOdbcDriver, type OdbcDriver } from '../../agents/sources/odbc/index.ts';
import { memoryContext } from '../../agents/sources/odbc/test-harness.ts';

export interface SourceRun {
  records: number;
  pages: number;
  ms: number;
  /** CPU time of the whole process (all threads, the driver's included) while reading: steadier than wall time on a loaded machine. */
  cpuMs: number;
}

export async function extractWithSource(
  config: OdbcSourceConfig,
  driver: OdbcDriver = nodeOdbcDriver,
  options: { maxPages?: number } = {},
): Promise<SourceRun> {
  const ctx = memoryContext();
  const source = new OdbcSource(config, ctx, driver);
  const signal = new AbortController().signal;
  await source.connect(signal);
  try {
    let records = 0;
    let pages = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (;;) {
      const result = await source.read(signal);
      if (result === null) break;
      records += result.records.length;
      pages += 1;
      ctx.commit(source.name, result);
      if (result.caughtUp || pages === options.maxPages) break;
    }
    return { records, pages, ms: performance.now() - started, cpuMs: cpuMsSince(cpu) };
  } finally {
    await source.close();
  }
}

/** Milliseconds of CPU (user + system) the process spent since `start` (a process.cpuUsage() reading). */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
