/**
 * CSV detection on a full 64 KB head (what `parse` examines of a bank CSV no profile knows): the
 * layouts of the test corpus with their data rows repeated until the head is full, and hostile heads
 * (one 64 KB cell, 30,000 tiny rows, 9,000 delimiters). The baseline is the least any detection does:
 * decode the head once and split it into lines and cells for each of the four delimiters.
 *   node bench/csv-detect/index.ts [--quick] [--runs N]
 */
import { TextDecoder } from 'node:util';
import { detectCsvLayout } from '../../agents/formats/csv/detect/detect-profile.ts';
import { DETECT_BYTES } from '../../agents/formats/detect.ts';
import { FormatError } from '../../agents/formats/format-error.ts';
import { BANK_LAYOUTS, layoutBytes } from '../../test/helpers/csv-bank-layouts.ts';
import { benchArgs } from '../lib/bench-args.ts';
import { benchRow, type BenchRow } from '../lib/bench-result.ts';
import { median } from '../lib/median.ts';
import { timeOnce } from '../lib/time-runs.ts';
import { writeResult } from '../lib/write-result.ts';

const args = benchArgs();
const startedAt = new Date();
const runs = args.quick ? 3 : Math.max(args.runs, 5);
const TARGET_MS = 100;

/** A layout's file with its last data row repeated until it passes 64 KB (as a long export's head). */
function fullHead(name: string): Uint8Array {
  const layout = BANK_LAYOUTS.find((l) => l.name === name);
  if (layout === undefined) throw new Error(`no layout ${name}`);
  const row = layout.lines.at(-1) ?? '';
  const lines = [...layout.lines];
  while (lines.join('\r\n').length < DETECT_BYTES + 1024) lines.push(row);
  return layoutBytes({ ...layout, lines });
}

const heads: Array<{ label: string; bytes: Uint8Array }> = [
  { label: 'German Sparkasse-style, Windows-1252, preamble', bytes: fullHead('de-sparkasse') },
  { label: 'Polish mBank-style, Windows-1250', bytes: fullHead('pl-mbank') },
  { label: 'US, thousands commas in quotes', bytes: fullHead('us-bofa') },
  { label: 'hostile: one 64 KB cell', bytes: Buffer.alloc(DETECT_BYTES, 'a') },
  { label: 'hostile: 30,000 tiny rows', bytes: Buffer.from(`Datum;Betrag\n${'1;\n'.repeat(30_000)}`) },
  { label: 'hostile: 64 KB of quotes', bytes: Buffer.from('"'.repeat(DETECT_BYTES)) },
];

function detect(bytes: Uint8Array): void {
  try {
    detectCsvLayout(bytes, { file: 'bench.csv' });
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
  }
}

/** The baseline: one decode, then lines and cells for every delimiter. */
function baseline(bytes: Uint8Array): number {
  const text = new TextDecoder('windows-1252').decode(bytes.subarray(0, DETECT_BYTES));
  let cells = 0;
  for (const delimiter of [';', ',', '\t', '|']) for (const line of text.split(/\r\n|\r|\n/)) cells += line.split(delimiter).length;
  return cells;
}

const rows: BenchRow[] = [];
const details: Record<string, unknown> = {};
for (const head of heads) {
  for (let i = 0; i < 2; i += 1) {
    detect(head.bytes);
    baseline(head.bytes);
  }
  const ours: number[] = [];
  const base: number[] = [];
  // Interleaved, so a noisy moment on a shared machine hits both sides alike.
  for (let i = 0; i < runs; i += 1) {
    ours.push(await timeOnce(() => detect(head.bytes)));
    base.push(await timeOnce(() => baseline(head.bytes)));
  }
  details[head.label] = { oursMs: ours, baselineMs: base };
  rows.push(
    benchRow({
      metric: `detect a CSV profile from a 64 KB head: ${head.label}`,
      ours: { value: Math.round(median(ours) * 100) / 100, unit: 'ms' },
      baseline: { value: Math.round(median(base) * 100) / 100, unit: 'ms', label: 'decode + split lines and cells ×4 delimiters' },
      target: { on: 'ours', op: '<=', value: TARGET_MS },
    }),
  );
}

writeResult({
  name: 'csv-detect',
  title: 'CSV profile detection',
  mode: args.quick ? 'quick' : 'full',
  startedAt: startedAt.toISOString(),
  durationSecs: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
  runs,
  rows,
  details,
  notes: ['Detection reads at most 64 KB of any file and tokenizes it once per delimiter, so its time is bounded whatever the file size.'],
});
