import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { SourceRecord } from '../../api/index.ts';
import { ControlClient } from '../../control/index.ts';
import { dataDirLayout, ensureDataDir } from '../../engine/data-dir.ts';
import { Outbox, canonicalJson } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { resolveConfig } from '../config-option.ts';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { openRowSource, type ImportRow } from './import-rows.ts';

export interface ImportOptions {
  config?: string;
  stream: string;
  key: string;
  source: string;
  json?: boolean;
}

interface Rejected {
  line: number;
  reason: string;
}

const PAGE_ROWS = 1000;
const SHOWN_REJECTIONS = 50;
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * `tya-agent import FILE --stream NAME --key COL[,COL]`: a CSV, Excel or JSON file of records into a
 * stream, through the outbox like everything else (so it is delivered exactly once, survives a
 * restart, and a repeated import is recognised by content). Each line is checked on its own; a bad
 * line is reported with its reason and does not stop the others. Exit 0 when every line was taken,
 * 3 when some were rejected.
 */
export async function importCommand(file: string, options: ImportOptions, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  for (const [what, value] of [['--stream', options.stream], ['--source', options.source]] as const) {
    if (!NAME.test(value)) throw new CliError(ExitCode.usage, 'import_name_invalid', `${what} "${value}" must be lowercase letters, digits, - and _.`);
  }
  if (loaded.config.sources.some((s) => s.name === options.source)) {
    throw new CliError(ExitCode.usage, 'import_source_taken', `"${options.source}" is a configured source; imported records need a source name of their own.`, {
      hint: 'Leave out --source (records then come from "import"), or pick a name that is not in the config.',
    });
  }
  const keyColumns = options.key.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (keyColumns.length === 0) throw new CliError(ExitCode.usage, 'import_key_missing', 'Name the key column(s) with --key, e.g. --key customer_id.');
  const size = (await stat(file).catch(() => null))?.size;
  if (size === undefined) throw new CliError(ExitCode.usage, 'file_missing', `${file} is not a file that can be read.`);

  const rows = await openRowSource(file);
  const columns = await rows.columns();
  const missing = keyColumns.filter((k) => !columns.includes(k));
  if (missing.length > 0 && rows.format !== 'json' && rows.format !== 'jsonl') {
    throw new CliError(ExitCode.usage, 'import_key_unknown', `The key column${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in ${basename(file)}.`, {
      hint: `Its columns are: ${columns.join(', ')}.`,
    });
  }

  const layout = dataDirLayout(loaded.dataDir);
  ensureDataDir(layout);
  const outbox = Outbox.open({ path: layout.outbox, maxBytes: loaded.config.outbox.maxBytes, synchronous: loaded.config.outbox.synchronous, clock: systemClock });
  const bar = io.interactive ? new SingleBar({ format: ' {bar} {percentage}% | {accepted} accepted, {rejected} rejected', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(size, 0, { accepted: 0, rejected: 0 });
  const rejected: Rejected[] = [];
  const seen = new Map<string, number>();
  let page: SourceRecord[] = [];
  let accepted = 0;
  let inserted = 0;
  const capturedAt = new Date().toISOString();
  const flush = (last: boolean) => {
    if (page.length === 0 && !last) return;
    const result = outbox.enqueue({
      source: options.source,
      stream: options.stream,
      lane: 'bulk',
      records: page,
      checkpoint: { import: { file: basename(file), rows: accepted, complete: last, at: capturedAt } },
    });
    inserted += result.inserted;
    page = [];
  };
  try {
    for await (const row of rows.rows((bytes) => bar?.update(bytes, { accepted, rejected: rejected.length }))) {
      const record = toRecord(row, keyColumns, options.stream, capturedAt, seen);
      if ('reason' in record) {
        rejected.push(record);
        continue;
      }
      page.push(record);
      accepted += 1;
      if (page.length >= PAGE_ROWS) flush(false);
    }
    flush(true);
  } finally {
    bar?.stop();
    outbox.close();
  }

  const client = ControlClient.fromDataDir(loaded.dataDir);
  if (client !== null) await client.syncNow().catch(() => undefined);
  const summary = {
    file: basename(file),
    source: options.source,
    stream: options.stream,
    accepted,
    alreadyQueued: accepted - inserted,
    rejected,
    delivery: client === null ? 'queued until the agent runs' : 'the running agent is sending them',
  };
  if (options.json) io.out(JSON.stringify(summary, null, 2));
  else printSummary(summary, io);
  return rejected.length === 0 ? ExitCode.ok : ExitCode.incomplete;
}

function toRecord(row: ImportRow, keyColumns: readonly string[], stream: string, capturedAt: string, seen: Map<string, number>): SourceRecord | Rejected {
  if (row.values === undefined) return { line: row.line, reason: row.problem ?? 'the line cannot be read' };
  const key: Record<string, string> = {};
  for (const column of keyColumns) {
    const value = row.values[column];
    if (value === undefined || value === null || value === '') return { line: row.line, reason: `the key column "${column}" is empty` };
    if (typeof value !== 'string') return { line: row.line, reason: `the key column "${column}" is not text` };
    key[column] = value;
  }
  const id = canonicalJson(key);
  const earlier = seen.get(id);
  if (earlier !== undefined) return { line: row.line, reason: `the key ${keyColumns.map((c) => `${c}=${key[c] ?? ''}`).join(', ')} was already on line ${earlier}` };
  seen.set(id, row.line);
  return { stream, key, op: 'upsert', data: row.values, capturedAt };
}

function printSummary(
  s: { file: string; source: string; stream: string; accepted: number; alreadyQueued: number; rejected: Rejected[]; delivery: string },
  io: CliIo,
): void {
  const queued = s.alreadyQueued > 0 ? ` (${s.alreadyQueued} of them were already queued)` : '';
  io.out(`Imported ${s.file} into stream "${s.stream}" (source "${s.source}"): ${s.accepted} accepted${queued}, ${s.rejected.length} rejected; ${s.delivery}.`);
  if (s.rejected.length === 0) return;
  io.err(`Rejected lines of ${s.file}:`);
  for (const r of s.rejected.slice(0, SHOWN_REJECTIONS)) io.err(`  line ${r.line}: ${r.reason}`);
  if (s.rejected.length > SHOWN_REJECTIONS) io.err(`  … and ${s.rejected.length - SHOWN_REJECTIONS} more (--json lists them all)`);
}
