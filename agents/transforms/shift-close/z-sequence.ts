/**
 * Z numbers (the till's count of closes) must run without gaps per register: Z 411 then 413 means
 * the report of Z 412 is missing (deleted, never written, or the till was reset), which a bookkeeper
 * must hear about because the sales of that shift may be missing from the books.
 */

export interface ZGap {
  previous: string;
  current: string;
  /** First and last missing Z numbers (equal when one is missing). */
  firstMissing: string;
  lastMissing: string;
  missingCount: string;
}

/** The gap between the last Z seen and this one, or null (no gap, not whole numbers, or not later). */
export function findZGap(previous: string | undefined, current: string): ZGap | null {
  if (previous === undefined || !/^-?\d{1,30}$/.test(previous.trim()) || !/^-?\d{1,30}$/.test(current.trim())) return null;
  const last = BigInt(previous.trim());
  const next = BigInt(current.trim());
  if (next <= last + 1n) return null;
  return {
    previous: last.toString(),
    current: next.toString(),
    firstMissing: (last + 1n).toString(),
    lastMissing: (next - 1n).toString(),
    missingCount: (next - last - 1n).toString(),
  };
}

/** "Z 411 then Z 413: Z 412 is missing" / "…: Z 412 to 414 (3 reports) are missing". */
export function describeZGap(gap: ZGap): string {
  const missing =
    gap.firstMissing === gap.lastMissing
      ? `Z ${gap.firstMissing} is missing`
      : `Z ${gap.firstMissing} to ${gap.lastMissing} (${gap.missingCount} reports) are missing`;
  return `Z ${gap.previous} then Z ${gap.current}: ${missing}`;
}

/** The larger of two Z numbers as text (numerically when both are whole numbers). */
export function laterZ(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  if (/^-?\d{1,30}$/.test(a) && /^-?\d{1,30}$/.test(b)) return BigInt(a) >= BigInt(b) ? a : b;
  return a >= b ? a : b;
}
