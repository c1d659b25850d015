/** Builds the reader of a stream's mode from its plan and its committed checkpoint. */
import type { JsonValue, OdbcStreamConfig } from '../../api/index.ts';
import { assertNever } from '../../pipeline/errors.ts';
import { parseCursorCheckpoint } from './cursor/cursor-checkpoint.ts';
import { CursorReader, cursorMillis } from './cursor/cursor-reader.ts';
import { SnapshotReader } from './snapshot/snapshot-reader.ts';
import { parseSnapshotCheckpoint, type PartLoader } from './snapshot/snapshot-state.ts';
import type { StreamPlan } from './stream-plan.ts';
import type { StreamReader } from './stream-reader.ts';
import type { StreamSettings } from './stream-settings.ts';

export interface ReaderRequest {
  source: string;
  config: OdbcStreamConfig;
  settings: StreamSettings;
  plan: StreamPlan;
  saved: JsonValue | undefined;
  /** The saved checkpoint's parts (snapshot mode's manifest). */
  loadPart: PartLoader;
  timeZone: string;
}

export function createReader(request: ReaderRequest): StreamReader {
  const { source, config, settings, plan, saved, loadPart, timeZone } = request;
  switch (settings.mode) {
    case 'cursor':
    case 'append': {
      const first = plan.cursors[0];
      const millis = (text: string) => (first === undefined ? null : cursorMillis(first, text, timeZone));
      const state = parseCursorCheckpoint(saved, source, plan, millis);
      return new CursorReader({ plan, state, pageRows: config.pageRows, lookbackSecs: settings.lookbackSecs, timeZone });
    }
    case 'snapshot': {
      const state = parseSnapshotCheckpoint(saved, source, plan, settings.snapshot.minChunkRows, loadPart);
      return new SnapshotReader({ plan, state, settings: settings.snapshot, pageRows: config.pageRows, timeZone });
    }
    default:
      return assertNever(settings.mode, 'stream mode');
  }
}
