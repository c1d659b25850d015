/**
 * Where a run of records may be cut into batches without splitting a group (cloud-api.md § Batches:
 * the records of one group are never split across batches). Pure functions over the records' group
 * ids in queue order (null: no group); a group's records are consecutive because they are enqueued
 * together.
 */

/**
 * How many of `groups` the next batch takes, given that `fits` of them fit the size limits. Cuts
 * before a group that would straddle the cut; when the first group alone is larger than what fits,
 * stretches to its end (up to `hardMax`, the cloud's limit, beyond which the cloud answers 413 and the
 * group is dead-lettered as too large).
 */
export function groupSafeCut(groups: ReadonlyArray<string | null>, fits: number, hardMax: number): number {
  if (fits >= groups.length) return groups.length;
  const atCut = groups[fits];
  if (atCut === null || atCut === undefined || groups[fits - 1] !== atCut) return fits;
  let start = fits - 1;
  while (start > 0 && groups[start - 1] === atCut) start -= 1;
  if (start > 0) return start;
  let end = fits;
  while (end < groups.length && end < hardMax && groups[end] === atCut) end += 1;
  return end;
}

/**
 * The index at which to halve a batch refused as too large (HTTP 413): the boundary nearest the
 * middle that splits no group, or null when the batch is a single record or a single group.
 */
export function groupSafeHalf(groups: ReadonlyArray<string | null>): number | null {
  if (groups.length <= 1) return null;
  const middle = Math.ceil(groups.length / 2);
  const isBoundary = (i: number) => i > 0 && i < groups.length && (groups[i] === null || groups[i] !== groups[i - 1]);
  for (let step = 0; step < groups.length; step++) {
    if (isBoundary(middle - step)) return middle - step;
    if (isBoundary(middle + step)) return middle + step;
  }
  return null;
}
