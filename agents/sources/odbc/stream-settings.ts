/**
 * A stream's configuration with every default filled in, so the readers never ask "was this set?".
 * The config schema leaves the mode's keys optional (older configs and other code build stream
 * configs without them); the defaults live here, once.
 */
import { nextRun } from '../../scheduler/next-run.ts';
import { parseCron, type CronExpression, type OdbcStreamConfig, type OdbcStreamMode } from '../../api/index.ts';

export interface SnapshotSettings {
  chunkTargetMs: number;
  minChunkRows: number;
  maxChunkRows: number;
  leafRows: number;
}

export interface StreamSettings {
  mode: OdbcStreamMode;
  /** Cursor mode's columns in comparison order; empty in append and snapshot mode. */
  cursorColumns: string[];
  lookbackSecs: number;
  snapshot: SnapshotSettings;
  /** Least time between the starts of two reads of this stream; 0: whenever the source reads. */
  intervalMs: number;
  /** Rounds start at these times instead (a nightly snapshot diff); null: by `intervalMs`. */
  readAt: CronExpression | null;
}

export const SNAPSHOT_DEFAULTS: SnapshotSettings = {
  chunkTargetMs: 500,
  minChunkRows: 1_000,
  maxChunkRows: 200_000,
  leafRows: 64,
};

export function streamSettings(config: OdbcStreamConfig): StreamSettings {
  const mode = config.mode ?? 'cursor';
  const cursorColumns =
    mode !== 'cursor' ? [] : (config.cursorColumns ?? (config.cursorColumn === undefined ? [] : [config.cursorColumn]));
  return {
    mode,
    cursorColumns,
    lookbackSecs: config.lookbackSecs ?? 0,
    snapshot: { ...SNAPSHOT_DEFAULTS, ...config.snapshot },
    intervalMs: (config.intervalSecs ?? 0) * 1000,
    readAt: config.readAt === undefined ? null : parseCron(config.readAt),
  };
}

/**
 * Whether a stream's next round may start: at its next read time (in the source's schedule zone)
 * when it has `readAt`, else once `intervalMs` has passed since the last round began.
 */
export function roundDue(settings: StreamSettings, zone: string, lastRoundAt: number, nowMs: number): boolean {
  if (settings.readAt === null) return nowMs - lastRoundAt >= settings.intervalMs;
  const next = nextRun(settings.readAt, zone, lastRoundAt);
  return next !== null && next <= nowMs;
}
