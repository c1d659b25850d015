/**
 * The history oracle every delivery test ends with (issue 9): what the cloud holds for each key,
 * ordered by seq, must equal the states the agent captured for it; no captured change may take
 * effect twice; and each key's latest must equal the source's final row.
 *
 * The cloud's history holds accepted, stale and unchanged records alike (sandbox `/admin/history`).
 * One kind of entry is not a captured state of its own: a stale record the agent renumbered and sent
 * again (its clock was behind the cloud's floor). It is recognised by a later entry of the same key
 * with the same content and the same `capturedAt` (a change keeps its capture time when it is
 * renumbered), reported as "renumbered" and left out of the comparison.
 */
import { canonicalJson } from '../../agents/api/canonical-json.ts';
import type { JsonObject, JsonValue } from '../../agents/api/index.ts';
import type { SandboxAdmin } from '../../sandbox/admin-client.ts';
import type { HistoryEntry, LatestEntry } from '../../sandbox/inspection-schemas.ts';

/** One state of a key as the agent captured it: an upsert with its data, or a delete (`data` null/absent). */
export interface CapturedState {
  op?: 'upsert' | 'delete';
  data?: JsonObject | null;
}

export interface CapturedKey {
  stream: string;
  key: Record<string, string>;
  /** In capture order: every change, A → B → A included. */
  states: CapturedState[];
  /**
   * `all` (default): `states` is every change the agent captured, and the history must equal it.
   * `last`: only the final state is known (a workload that changes rows between reads, killed at
   * random points, cannot say which intermediate states a read saw); the history must then end with
   * it, and still hold no change twice.
   */
  statesKnown?: 'all' | 'last';
}

/** The source's final row of a key; `data: null` when the row no longer exists. */
export interface FinalRow {
  stream: string;
  key: Record<string, string>;
  data: JsonObject | null;
}

export interface OracleInput {
  captured: readonly CapturedKey[];
  /** The cloud's history of the same keys (entries of other keys count as unexpected). */
  history: readonly HistoryEntry[];
  latest: readonly LatestEntry[];
  /** The source read at the end; when absent, each key's last captured state stands for it. */
  finalRows?: readonly FinalRow[];
}

export interface KeyProblem {
  stream: string;
  key: Record<string, string>;
  /** missing_history | history_differs | applied_twice | seq_twice | latest_differs | latest_seq | unexpected_key */
  kind: string;
  text: string;
}

export interface OracleReport {
  ok: boolean;
  keys: number;
  entries: number;
  /** Stale entries recognised as renumbered copies and left out of the comparison. */
  renumbered: number;
  problems: KeyProblem[];
  /** A readable report: one line when all is well, a diff per key otherwise. */
  text: string;
}

const keyId = (stream: string, key: Record<string, string>) => `${stream}\u0000${canonicalJson(key)}`;

function stateText(op: 'upsert' | 'delete', data: unknown): string {
  if (op === 'delete') return 'delete';
  const json = canonicalJson((data ?? null) as JsonValue);
  return `upsert ${json.length > 70 ? `${json.slice(0, 67)}...` : json}`;
}

function capturedText(state: CapturedState): string {
  const op = state.op ?? (state.data == null ? 'delete' : 'upsert');
  return stateText(op, state.data);
}

const entryText = (e: { op: 'upsert' | 'delete'; data?: unknown }) => stateText(e.op, e.data);
const capture = (e: HistoryEntry) => `${entryText(e)}\u0000${e.capturedAt}`;

/** Side by side: the captured states and the cloud's entries, a ✗ where they differ. */
function diffTable(captured: readonly string[], entries: readonly HistoryEntry[]): string {
  const rows = [`        #  ${'captured'.padEnd(44)}cloud, by seq`];
  for (let i = 0; i < Math.max(captured.length, entries.length); i++) {
    const want = captured[i];
    const got = entries[i];
    const gotText = got === undefined ? '(nothing)' : `${entryText(got)}   [seq ${got.seq} ${got.outcome}]`;
    const same = want !== undefined && got !== undefined && want === entryText(got);
    rows.push(`   ${same ? ' ' : '✗'} ${String(i + 1).padStart(4)}  ${(want ?? '(nothing)').padEnd(44)}${gotText}`);
  }
  return rows.join('\n');
}

/** Checks the cloud's history against what the agent captured; never throws. */
export function checkHistory(input: OracleInput): OracleReport {
  const problems: KeyProblem[] = [];
  const byKey = new Map<string, HistoryEntry[]>();
  for (const entry of input.history) {
    const id = keyId(entry.stream, entry.key);
    byKey.set(id, [...(byKey.get(id) ?? []), entry]);
  }
  const latestByKey = new Map(input.latest.map((l) => [keyId(l.stream, l.key), l]));
  const finalByKey = new Map((input.finalRows ?? []).map((r) => [keyId(r.stream, r.key), r]));
  const capturedIds = new Set<string>();
  let renumbered = 0;

  for (const captured of input.captured) {
    const id = keyId(captured.stream, captured.key);
    capturedIds.add(id);
    const problem = (kind: string, text: string) =>
      problems.push({ stream: captured.stream, key: captured.key, kind, text });
    const entries = [...(byKey.get(id) ?? [])].sort((a, b) => a.seq - b.seq);
    const want = captured.states.map(capturedText);
    if (entries.length === 0 && want.length > 0) {
      problem('missing_history', `the cloud holds nothing for it; ${want.length} captured state(s) are missing`);
      continue;
    }

    const seqs = new Set<number>();
    for (const e of entries) {
      if (seqs.has(e.seq)) problem('seq_twice', `seq ${e.seq} is held twice`);
      seqs.add(e.seq);
    }
    // A stale entry whose change was later sent again under a higher seq is a renumbered copy.
    const ghosts = new Set(
      entries.filter(
        (e, i) => e.outcome === 'stale' && entries.slice(i + 1).some((later) => capture(later) === capture(e)),
      ),
    );
    renumbered += ghosts.size;
    const effects = new Map<string, HistoryEntry[]>();
    for (const e of entries)
      if (e.outcome !== 'stale') effects.set(capture(e), [...(effects.get(capture(e)) ?? []), e]);
    for (const [, same] of effects) {
      if (same.length > 1) {
        problem(
          'applied_twice',
          `one captured change (${entryText(same[0]!)}, captured ${same[0]!.capturedAt}) took effect ${same.length} times, ` +
            `under seqs ${same.map((e) => e.seq).join(', ')}`,
        );
      }
    }
    const effective = entries.filter((e) => !ghosts.has(e));
    if (captured.statesKnown === 'last') {
      const last = effective.filter((e) => e.outcome !== 'stale').at(-1);
      if (last !== undefined && want.length > 0 && entryText(last) !== want.at(-1)) {
        problem('history_differs', `the cloud's newest effective change is ${entryText(last)}, not the captured ${want.at(-1)!}`);
      }
    } else if (effective.length !== want.length || effective.some((e, i) => entryText(e) !== want[i])) {
      problem(
        'history_differs',
        `the cloud's history by seq (${effective.length}) differs from the captured states (${want.length}):\n${diffTable(want, effective)}`,
      );
    }

    const latest = latestByKey.get(id);
    const final = finalByKey.get(id);
    const finalText =
      final !== undefined
        ? stateText(final.data === null ? 'delete' : 'upsert', final.data)
        : want.length > 0
          ? want.at(-1)!
          : undefined;
    const top = entries.at(-1);
    if (latest === undefined) {
      if (finalText !== undefined && finalText !== 'delete')
        problem('latest_differs', `the cloud has no latest; the source's final row is ${finalText}`);
    } else {
      if (top !== undefined && latest.seq !== top.seq) {
        problem('latest_seq', `the latest stands at seq ${latest.seq} but the highest seq held is ${top.seq}`);
      }
      if (finalText !== undefined && entryText(latest) !== finalText) {
        problem(
          'latest_differs',
          `the latest is ${entryText(latest)} (seq ${latest.seq}) but the source's final row is ${finalText}`,
        );
      }
    }
  }
  for (const [id, entries] of byKey) {
    if (capturedIds.has(id)) continue;
    const first = entries[0]!;
    problems.push({
      stream: first.stream,
      key: first.key,
      kind: 'unexpected_key',
      text: `the cloud holds ${entries.length} record(s) for a key the agent never captured`,
    });
  }
  for (const [id, final] of finalByKey) {
    if (!capturedIds.has(id) && final.data !== null) {
      problems.push({
        stream: final.stream,
        key: final.key,
        kind: 'missing_history',
        text: `the source has ${stateText('upsert', final.data)} but nothing was captured for it`,
      });
    }
  }

  const keys = input.captured.length;
  const summary = `${keys} key(s), ${input.history.length} history entries, ${renumbered} renumbered stale cop${renumbered === 1 ? 'y' : 'ies'} ignored`;
  const text =
    problems.length === 0
      ? `History oracle: all well (${summary}).`
      : [
          `History oracle: ${problems.length} problem(s) (${summary}).`,
          ...problems.map((p) => `✗ ${p.stream} ${canonicalJson(p.key)} [${p.kind}]: ${p.text}`),
        ].join('\n');
  return { ok: problems.length === 0, keys, entries: input.history.length, renumbered, problems, text };
}

/** checkHistory, throwing an Error whose message is the readable diff when anything is wrong. */
export function assertHistory(input: OracleInput): OracleReport {
  const report = checkHistory(input);
  if (!report.ok) throw new Error(report.text);
  return report;
}

/** Reads the sandbox's history and latest for a source (optionally one entity) and asserts them. */
export async function assertCloudHistory(
  admin: SandboxAdmin,
  scope: { entity?: string; source: string },
  captured: readonly CapturedKey[],
  finalRows?: readonly FinalRow[],
): Promise<OracleReport> {
  const streams = new Set([...captured.map((c) => c.stream), ...(finalRows ?? []).map((r) => r.stream)]);
  const history: HistoryEntry[] = [];
  const latest: LatestEntry[] = [];
  for (const stream of streams) {
    history.push(...(await admin.history({ ...scope, stream })));
    latest.push(...(await admin.latest({ ...scope, stream })));
  }
  return assertHistory({ captured, history, latest, ...(finalRows === undefined ? {} : { finalRows }) });
}
