/** Labels of what is missing (statement numbers, Z numbers), kept short enough to say in one sentence. */

/** Stored per series; beyond this a gap is kept as one range label. */
const MAX_LABELS = 50;

/** Labels for the numbers strictly between `after` and `before`, e.g. 411..412 → ['00411','00412']. */
export function labelsBetween(after: bigint, before: bigint, label: (n: bigint) => string): string[] {
  if (before - after <= 1n) return [];
  if (before - after - 1n > BigInt(MAX_LABELS)) return [`${label(after + 1n)}–${label(before - 1n)}`];
  const out: string[] = [];
  for (let n = after + 1n; n < before; n += 1n) out.push(label(n));
  return out;
}

export function mergeLabels(existing: readonly string[], added: readonly string[]): string[] {
  const merged = [...existing];
  for (const label of added) if (!merged.includes(label)) merged.push(label);
  return merged.slice(-MAX_LABELS);
}

/** "A", "A and B", "A, B, … and Z (12 in all)". */
export function listInWords(labels: readonly string[]): string {
  if (labels.length <= 1) return labels[0] ?? '';
  if (labels.length <= 5) return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1) ?? ''}`;
  return `${labels.slice(0, 3).join(', ')}, … and ${labels.at(-1) ?? ''} (${labels.length} in all)`;
}
