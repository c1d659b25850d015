/**
 * What a mapping costs on the way from the source to the outbox (issue 15, rules of measurement): the
 * stream pipeline (agents/engine/stream-pipeline, JSONata in the limited mapping thread) and the
 * outbox enqueue of each page, as the capture loop runs them, for the same POS receipts:
 * - the identity mapping (each of the 12 columns to itself, typed): the baseline;
 * - a realistic 10-field mapping with the money helpers (net, VAT recomputed and rounded, a rate, a
 *   side, a prefixed register…): target ≥ 0.5× the identity mapping's records per second;
 * - no mapping at all, as context (what the mapping thread's round trip costs).
 * Every page must come out without a quarantined record, and the mapped money is checked exactly.
 *   node bench/mapping/index.ts [--quick] [--runs N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MappingConfigInput, SourceRecord, StreamPipelineConfig } from '../../agents/api/index.ts';
import { StreamPipelines } from '../../agents/engine/stream-pipeline/stream-pipelines.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { createLogger } from '../../agents/telemetry/logger.ts';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow } from '../lib/bench-result.ts';
import { formatNumber } from '../lib/format-number.ts';
import { median } from '../lib/median.ts';
import { receiptRecords } from '../lib/receipt-records.ts';
import { writeResult } from '../lib/write-result.ts';

const args = benchArgs();
const startedAt = new Date();
const runs = args.quick ? 3 : Math.max(args.runs, 5);
const RECORDS = args.quick ? 4_000 : 20_000;
const PAGE = 500;
const STREAM = 'receipts';

const INPUT = {
  receipt_id: 'integer',
  shift_id: 'integer',
  register_id: 'integer',
  receipt_no: 'text',
  total: 'money',
  tax: 'money',
  currency: 'text',
  tender: 'text',
  first_item: 'text',
  created_at: 'timestamp',
  updated_at: 'timestamp',
  note: 'text',
} as const;

const IDENTITY: MappingConfigInput = {
  stream: STREAM,
  input: INPUT,
  fields: Object.fromEntries(Object.entries(INPUT).map(([name, type]) => [name, { expr: name, type }])),
};

/** What a bookkeeper's mapping of a till's receipts looks like: ten fields, most of them money arithmetic. */
const REALISTIC: MappingConfigInput = {
  stream: STREAM,
  input: INPUT,
  fields: {
    document: { expr: 'receipt_no', type: 'text', required: true },
    register: { expr: '"REG-" & $string(register_id)', type: 'text' },
    shift: { expr: 'shift_id', type: 'integer' },
    gross: { expr: 'total', type: 'money', required: true },
    net: { expr: '$decimalSub(total, tax)', type: 'money', required: true },
    vat: { expr: "$round($decimalMul($decimalSub(total, tax), \"0.19\"), 2, 'HALF_EVEN')", type: 'money' },
    vat_rate: { expr: '$decimalDiv(tax, $decimalSub(total, tax), 4)', type: 'money' },
    side: { expr: '$decimalGte(total, "0") ? "debit" : "credit"', type: 'text' },
    payment: { expr: 'tender = "cash" ? "cash" : "non-cash"', type: 'text' },
    booked_at: { expr: 'created_at', type: 'timestamp', required: true },
  },
};

type Path = 'none' | 'identity' | 'realistic';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-bench-mapping-'));
writeFileSync(path.join(dir, 'identity.mapping.json'), JSON.stringify(IDENTITY));
writeFileSync(path.join(dir, 'realistic.mapping.json'), JSON.stringify(REALISTIC));
const records = receiptRecords(RECORDS, { stream: STREAM });

function pipelinesFor(kind: Path): StreamPipelines {
  const streams: StreamPipelineConfig[] =
    kind === 'none'
      ? []
      : [{ source: 'till', stream: STREAM, mapping: `${kind}.mapping.json`, quarantineSpike: { percent: 100, window: 500, count: 1_000_000, minutes: 10 } }];
  return new StreamPipelines({
    configFile: path.join(dir, 'agent.json'),
    streams: () => streams,
    reference: { rows: () => undefined },
    entityOf: () => 'bench',
    logger: createLogger({ level: 'silent' }),
  });
}

/** One run: every page through the pipeline and into a fresh outbox (FULL, as the agent's default); records/s. */
async function runOnce(kind: Path, run: number): Promise<number> {
  const pipelines = pipelinesFor(kind);
  const outbox = Outbox.open({ path: path.join(dir, `${kind}-${run}.db`), synchronous: 'FULL', maxBytes: 4 * 1024 ** 3, clock: systemClock });
  try {
    // The mapping thread starts and compiles on the first page: warmed before the clock starts.
    await pipelines.process('till', records.slice(0, 10));
    const started = performance.now();
    let last: SourceRecord | undefined;
    for (let i = 0; i < records.length; i += PAGE) {
      const page = await pipelines.process('till', records.slice(i, i + PAGE));
      if (page.quarantine.size > 0) {
        const [index, mark] = [...page.quarantine][0]!;
        throw new Error(`The ${kind} mapping quarantined record ${i + index}: ${JSON.stringify(mark).slice(0, 300)}`);
      }
      last = page.records.at(-1);
      outbox.enqueue({ source: 'till', stream: STREAM, lane: 'bulk', records: page.records, quarantine: page.quarantine, checkpoint: { at: i + PAGE } });
    }
    const ms = performance.now() - started;
    checkLast(kind, last);
    return records.length / (ms / 1000);
  } finally {
    outbox.close();
    await pipelines.close();
  }
}

/** The last record as the path must give it: the mapped money exact, to the cent. */
function checkLast(kind: Path, record: SourceRecord | undefined): void {
  const source = records.at(-1)!.data!;
  const data = record?.data;
  if (data === undefined) throw new Error(`The ${kind} path gave no record.`);
  if (kind === 'realistic') {
    // Exact: two-decimal text as integer cents.
    const cents = (value: unknown) => (typeof value === 'string' && /^-?\d+\.\d{2}$/.test(value) ? BigInt(value.replace('.', '')) : null);
    const [net, total, tax] = [cents(data.net), cents(source.total), cents(source.tax)];
    if (net === null || total === null || tax === null || net !== total - tax || data.gross !== source.total) {
      throw new Error(`The realistic mapping gave ${JSON.stringify(data)} for total ${JSON.stringify(source.total)}, tax ${JSON.stringify(source.tax)}.`);
    }
  } else if (data.total !== source.total || data.note !== source.note) {
    throw new Error(`The ${kind} path changed the record: ${JSON.stringify(data).slice(0, 300)}`);
  }
}

const rates: Record<Path, number[]> = { none: [], identity: [], realistic: [] };
try {
  // Interleaved, so a noisy moment on a shared machine hits every path alike.
  for (let run = 0; run < runs; run += 1) {
    for (const kind of ['identity', 'realistic', 'none'] as const) rates[kind].push(await runOnce(kind, run));
    process.stdout.write(
      `run ${run + 1}/${runs}: identity ${formatNumber(rates.identity.at(-1)!)}, realistic ${formatNumber(rates.realistic.at(-1)!)}, ` +
        `no mapping ${formatNumber(rates.none.at(-1)!)} records/s\n`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const perSec = (values: number[]) => ({ value: Math.round(median(values)), unit: 'records/s' });
writeResult({
  name: 'mapping',
  title: 'Mappings on the way to the outbox',
  mode: args.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  durationSecs: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
  runs,
  rows: [
    benchRow({
      metric: `realistic 10-field mapping with money helpers, pipeline + outbox (${formatNumber(RECORDS)} receipts, pages of ${PAGE})`,
      ours: perSec(rates.realistic),
      baseline: { ...perSec(rates.identity), label: 'the identity mapping, same path' },
      target: { on: 'ratio', op: '>=', value: 0.5 },
    }),
    benchRow({
      metric: 'identity mapping against no mapping, pipeline + outbox (context: the mapping thread’s round trip)',
      ours: perSec(rates.identity),
      baseline: { ...perSec(rates.none), label: 'no mapping configured' },
    }),
  ],
  details: { records: RECORDS, pageRows: PAGE, recordsPerSec: rates, identity: IDENTITY, realistic: REALISTIC },
  notes: [
    'Each path runs the stream pipeline as the capture loop does (mapping in the limited worker thread, one page at a time) and enqueues every page into a fresh outbox with synchronous=FULL; the three paths alternate run by run.',
    'Every page must come out without a quarantined record, and the last record is checked: the identity path gives the row unchanged, the realistic mapping its net and gross to the cent.',
  ],
});
