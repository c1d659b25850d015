/**
 * How a cost grows with the work, in words, from the figures measured at each decade: the README's
 * scaling table says "linear" or not from these, not from what we hoped.
 */

export interface ScalePoint {
  /** The size of the work: records, rows, bytes, sources… */
  size: number;
  /** Cost of the whole point (seconds of work, CPU percent…): compared per unit of size. */
  cost: number;
  peakMiB: number;
}

export interface Growth {
  /** `linear`, `sublinear` (fixed costs dominate small sizes) or `superlinear`. */
  time: 'linear' | 'sublinear' | 'superlinear';
  /** Cost per unit at the largest size ÷ at the smallest. */
  perUnitRatio: number;
  memory: 'flat' | 'grows';
  /** Peak at the largest size ÷ at the smallest. */
  memoryRatio: number;
}

/** Per-unit cost within ±35% across the range counts as linear (the machine's noise is about that at this load). */
const LINEAR_BAND = 0.35;
/** Memory that grows less than 25% over the whole range counts as flat. */
const FLAT_MEMORY = 1.25;

export function growthOf(points: readonly ScalePoint[]): Growth | null {
  const sorted = [...points].filter((p) => p.size > 0 && Number.isFinite(p.cost)).sort((a, b) => a.size - b.size);
  if (sorted.length < 2) return null;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const perUnitRatio = last.cost / last.size / (first.cost / first.size);
  const time = perUnitRatio > 1 + LINEAR_BAND ? 'superlinear' : perUnitRatio < 1 - LINEAR_BAND ? 'sublinear' : 'linear';
  const memoryRatio = last.peakMiB / first.peakMiB;
  return { time, perUnitRatio, memory: memoryRatio <= FLAT_MEMORY ? 'flat' : 'grows', memoryRatio };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** One sentence: `cost linear in records (per-record cost ×1.1 from 1,000 to 1,000,000); peak memory flat (×1.05)`. */
export function describeGrowth(what: string, unit: string, points: readonly ScalePoint[]): string {
  const g = growthOf(points);
  if (g === null) return `${what}: fewer than two sizes measured, no trend.`;
  const sizes = points.map((p) => p.size).sort((a, b) => a - b);
  const from = sizes[0]!.toLocaleString('en');
  const to = sizes[sizes.length - 1]!.toLocaleString('en');
  return (
    `${what}: ${g.time} in ${unit} (cost per ${unit.replace(/s$/, '')} ×${round2(g.perUnitRatio)} from ${from} to ${to}); ` +
    `peak memory ${g.memory} (×${round2(g.memoryRatio)}).`
  );
}
