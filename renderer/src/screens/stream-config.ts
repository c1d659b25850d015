/**
 * Streams as the source form edits them and as the config holds them. The form shows a few keys;
 * the config may hold more (lane, page size, read times, snapshot settings), and editing must not
 * quietly reset them.
 */
export type Mode = 'snapshot' | 'cursor' | 'append';

export interface StreamDraft {
  name: string;
  table: string;
  keyColumns: string[];
  mode: Mode;
  cursorColumn?: string;
}

/** A stream as the config holds it; keys that belong to another mode are dropped when the mode changes. */
export function streamConfig(draft: StreamDraft): Record<string, unknown> {
  const { cursorColumn, cursorColumns, lookbackSecs, snapshot, ...rest } = draft as StreamDraft & Record<string, unknown>;
  return {
    ...rest,
    ...(draft.mode === 'cursor' && cursorColumn ? { cursorColumn } : {}),
    ...(draft.mode === 'cursor' && !cursorColumn && cursorColumns !== undefined ? { cursorColumns } : {}),
    ...(draft.mode === 'cursor' && lookbackSecs !== undefined ? { lookbackSecs } : {}),
    ...(draft.mode === 'snapshot' && snapshot !== undefined ? { snapshot } : {}),
  };
}
