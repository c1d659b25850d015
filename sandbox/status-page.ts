import type { StoredAgent, StoredBatch } from './admin-schemas.ts';
import type { HistoryEntry, SourceOwner, StreamCount } from './inspection-schemas.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface StatusPageData {
  now: string;
  agents: StoredAgent[];
  batches: StoredBatch[];
  streams: StreamCount[];
  owners: SourceOwner[];
  /** The newest records received per stream, whatever their outcome. */
  latestRecords: HistoryEntry[];
  cloudKeyFingerprint: string;
}

function table(headings: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function recordsByStream(records: HistoryEntry[]): string {
  if (records.length === 0) return '<p class="empty">No records yet.</p>';
  const groups = new Map<string, HistoryEntry[]>();
  for (const r of records) {
    const name = `${r.entity} / ${r.source} / ${r.stream}`;
    groups.set(name, [...(groups.get(name) ?? []), r]);
  }
  return [...groups]
    .map(
      ([name, rs]) =>
        `<h3>${escapeHtml(name)}</h3>\n` +
        table(
          ['received', 'key', 'seq', 'outcome', 'op', 'data'],
          rs.map((r) => [
            r.receivedAt,
            JSON.stringify(r.key),
            String(r.seq),
            r.outcome,
            r.op,
            r.data === undefined ? '' : JSON.stringify(r.data),
          ]),
          '',
        ),
    )
    .join('\n');
}

/**
 * The page a person watching the demo keeps open: what arrived, from whom, refreshed every 3 s.
 * Plain HTML without scripts or external assets; every value is escaped (record data is untrusted).
 */
export function renderStatusPage(data: StatusPageData): string {
  const agents = table(
    ['agent', 'name', 'host', 'version', 'entities', 'enrolled', 'last seen', 'audit head', 'state'],
    data.agents.map((a) => [
      a.agentId,
      a.name,
      a.hostname,
      a.version,
      a.entities.join(', '),
      a.enrolledAt,
      a.lastSeenAt ?? 'never',
      a.auditHead ?? '',
      a.deletedAt !== null ? `unregistered ${a.deletedAt}` : a.revokedAt === null ? 'active' : `revoked ${a.revokedAt}`,
    ]),
    'No agent has enrolled yet.',
  );
  const batches = table(
    ['received', 'agent', 'entity / source / stream', 'accepted', 'duplicates', 'stale', 'rejected', 'resent'],
    data.batches.map((b) => [
      b.receivedAt,
      b.agentId,
      `${b.entity} / ${b.source} / ${b.stream}`,
      String(b.accepted),
      `${b.duplicates}${b.unchanged > 0 ? ` (${b.unchanged} unchanged)` : ''}`,
      String(b.stale),
      String(b.rejected),
      String(b.retransmissions),
    ]),
    'No batches yet.',
  );
  const owner = (s: StreamCount) =>
    data.owners.find((o) => o.entity === s.entity && o.source === s.source)?.agentId ?? 'free';
  const streams = table(
    ['entity / source / stream', 'owner', 'keys', 'accepted', 'duplicates', 'unchanged', 'stale', 'rejected'],
    data.streams.map((s) => [
      `${s.entity} / ${s.source} / ${s.stream}`,
      owner(s),
      String(s.keys),
      String(s.accepted),
      String(s.duplicates),
      String(s.unchanged),
      String(s.stale),
      String(s.rejected),
    ]),
    'No streams yet.',
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="3">
<title>TYA sandbox cloud</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; }
th { background: #f3f3f3; }
.empty { color: #777; }
</style>
</head>
<body>
<h1>TYA sandbox cloud</h1>
<p>Sandbox time ${escapeHtml(data.now)}. This page refreshes every 3 seconds. Commands are signed with the cloud key
${escapeHtml(data.cloudKeyFingerprint)}. Records are kept per key by seq: a stale one (a seq below the key's latest) is
kept in the history, an unchanged one (the latest's content again) counts as a duplicate and moves the latest's seq up.</p>
<h2>Agents</h2>
${agents}
<h2>Streams</h2>
${streams}
<h2>Recent batches</h2>
${batches}
<h2>Newest records received per stream</h2>
${recordsByStream(data.latestRecords)}
</body>
</html>
`;
}
