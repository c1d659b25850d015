/**
 * The ending every fault scenario shares: the reconciler (test/helpers/reconcile.ts) per stream, the
 * history oracle (test/helpers/history-oracle.ts: per key, nothing applied twice, no seq held twice,
 * the newest effective change equals the source's final row), the cloud's own counts (duplicates
 * ignored, retransmitted batches), one printed line per scenario with what was measured, and the
 * assertion "0 lost, 0 duplicate effects, right content".
 */
import type { Counts } from '../../../sandbox/admin-schemas.ts';
import type { SandboxAdmin } from '../../../sandbox/admin-client.ts';
import { checkHistory, type OracleReport } from '../../helpers/history-oracle.ts';
import { describeReconciliation, reconcile, type Reconciliation, type SourceRow } from '../../helpers/reconcile.ts';

export interface ExactlyOnceReport {
  scenario: string;
  streams: Array<{ stream: string; result: Reconciliation }>;
  /** The history oracle over every key of the source (the workloads know only each key's final row). */
  history: OracleReport;
  counts: Counts;
}

/** Compares the source's rows (grouped by stream) with what the cloud applied for `source`. */
export async function reconcileWithCloud(
  scenario: string,
  admin: SandboxAdmin,
  source: string,
  rows: readonly SourceRow[],
): Promise<ExactlyOnceReport> {
  const byStream = new Map<string, SourceRow[]>();
  for (const row of rows) byStream.set(row.stream, [...(byStream.get(row.stream) ?? []), row]);
  const streams: ExactlyOnceReport['streams'] = [];
  const historyEntries = [];
  const latest = [];
  for (const [stream, streamRows] of byStream) {
    streams.push({ stream, result: reconcile(streamRows, await admin.records({ source, stream })) });
    historyEntries.push(...(await admin.history({ source, stream })));
    latest.push(...(await admin.latest({ source, stream })));
  }
  const history = checkHistory({
    captured: rows.map((row) => ({ stream: row.stream, key: row.key, states: [{ data: row.data }], statesKnown: 'last' as const })),
    history: historyEntries,
    latest,
    finalRows: rows.map((row) => ({ stream: row.stream, key: row.key, data: row.data })),
  });
  return { scenario, streams, history, counts: await admin.counts() };
}

/** One line for the log: what the reconciler found and what the cloud counted, plus scenario figures. */
export function printReport(report: ExactlyOnceReport, measured: Record<string, unknown> = {}): void {
  const sum = (pick: (r: Reconciliation) => number) => report.streams.reduce((n, s) => n + pick(s.result), 0);
  const line = {
    scenario: report.scenario,
    expected: sum((r) => r.expected),
    lost: sum((r) => r.lost.length),
    duplicateEffects: sum((r) => r.duplicateEffects.length),
    wrongContent: sum((r) => r.wrongContent.length),
    cloudApplied: report.counts.recordsAccepted,
    cloudDuplicatesIgnored: report.counts.duplicates,
    retransmittedBatches: report.counts.retransmissions,
    historyEntries: report.history.entries,
    renumbered: report.history.renumbered,
    historyProblems: report.history.problems.length,
    ...measured,
  };
  process.stdout.write(`[faults] ${JSON.stringify(line)}\n`);
}

/** Throws, naming the stream and the counts, unless every row arrived exactly once with its content. */
export function assertExactlyOnce(report: ExactlyOnceReport): void {
  const problems = report.streams
    .filter(
      ({ result }) =>
        result.lost.length + result.duplicateEffects.length + result.wrongContent.length + result.unexpected.length > 0,
    )
    .map(({ stream, result }) => `${stream}: ${describeReconciliation(result)}`);
  if (report.streams.length === 0) problems.push('no rows to reconcile: the scenario proved nothing');
  if (!report.history.ok) problems.push(report.history.text);
  if (problems.length > 0) {
    throw new Error(`${report.scenario}: the cloud does not hold every row exactly once.\n  ${problems.join('\n  ')}`);
  }
}
