import type { StoredAgent, StoredBatch, StoredRecord } from './admin-schemas.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface StatusPageData {
  now: string;
  agents: StoredAgent[];
  batches: StoredBatch[];
  latestRecords: StoredRecord[];
}

function table(headings: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${escapeHtml(empty)}</p>`;
  const head = headings.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function recordsByStream(records: StoredRecord[]): string {
  if (records.length === 0) return '<p class="empty">No records yet.</p>';
  const groups = new Map<string, StoredRecord[]>();
  for (const r of records) {
    const name = `${r.entity} / ${r.source} / ${r.stream}`;
    groups.set(name, [...(groups.get(name) ?? []), r]);
  }
  return [...groups]
    .map(
      ([name, rs]) =>
        `<h3>${escapeHtml(name)}</h3>\n` +
        table(
          ['received', 'key', 'op', 'data'],
          rs.map((r) => [
            r.receivedAt,
            JSON.stringify(r.key),
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
    ['agent', 'name', 'host', 'version', 'enrolled', 'last seen', 'state'],
    data.agents.map((a) => [
      a.agentId,
      a.name,
      a.hostname,
      a.version,
      a.enrolledAt,
      a.lastSeenAt ?? 'never',
      a.revokedAt === null ? 'active' : `revoked ${a.revokedAt}`,
    ]),
    'No agent has enrolled yet.',
  );
  const batches = table(
    ['received', 'agent', 'entity / source / stream', 'accepted', 'duplicates', 'rejected', 'resent'],
    data.batches.map((b) => [
      b.receivedAt,
      b.agentId,
      `${b.entity} / ${b.source} / ${b.stream}`,
      String(b.accepted),
      String(b.duplicates),
      String(b.rejected),
      String(b.retransmissions),
    ]),
    'No batches yet.',
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
<p>Sandbox time ${escapeHtml(data.now)}. This page refreshes every 3 seconds.</p>
<h2>Agents</h2>
${agents}
<h2>Recent batches</h2>
${batches}
<h2>Latest records per stream</h2>
${recordsByStream(data.latestRecords)}
</body>
</html>
`;
}
