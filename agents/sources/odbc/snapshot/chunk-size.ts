/**
 * pt-table-checksum's rule: size each chunk so its checksum query takes about `chunkTargetMs`
 * (0.5 s), measured on the query just run, so a busy ERP server never sees a long query from us and
 * a quiet one is not asked a thousand tiny ones. The size moves at most ×2 or ÷2 per query, within
 * the configured bounds.
 */
import type { SnapshotSettings } from '../stream-settings.ts';

export function nextChunkRows(current: number, scannedRows: number, elapsedMs: number, settings: SnapshotSettings): number {
  const ideal = elapsedMs <= 0 ? Infinity : (Math.max(scannedRows, 1) / elapsedMs) * settings.chunkTargetMs;
  const damped = Math.min(current * 2, Math.max(current / 2, ideal));
  return Math.round(Math.min(settings.maxChunkRows, Math.max(settings.minChunkRows, damped)));
}
