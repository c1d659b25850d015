/**
 * Cursor and append mode: pages in `(cursor…, key…)` order (append: key order) after the last row
 * read. Each cursor round starts again at the newest cursor value read, moved back by the lookback
 * window, and skips the re-read rows it has already sent (SeenWindow): rows that share the newest
 * cursor value, or that a late transaction committed with an older timestamp, are found without
 * sending the others again.
 *
 * Rows whose cursor column is NULL are never read (no position can come after them); `check()`
 * reports them. Deletes are not seen in these modes (snapshot mode finds them).
 */
import type { SourceRecord } from '../../../api/index.ts';
import type { ColumnPlan } from '../dialects/index.ts';
import { fetchRows, upsertRecord } from '../row-reader.ts';
import type { LowerBound } from '../scan-query.ts';
import { longestValueGuard, scanQuery } from '../scan-query.ts';
import { tableSignature } from '../schema-drift.ts';
import type { StreamPlan } from '../stream-plan.ts';
import type { ReadContext, StreamBatch, StreamReader } from '../stream-reader.ts';
import { toJsonValue } from '../value-convert.ts';
import type { CursorState } from './cursor-checkpoint.ts';
import { cursorCheckpointJson } from './cursor-checkpoint.ts';
import { rowDigest, windowTest } from './seen-window.ts';
import { otherRowsOfGroups } from './group-completion.ts';

/** A page's groups may bring at most this many further rows per page row (memory stays bounded). */
const GROUP_ROWS_PER_PAGE_ROW = 20;

export interface CursorReaderOptions {
  plan: StreamPlan;
  state: CursorState;
  pageRows: number;
  lookbackSecs: number;
  timeZone: string;
}

export class CursorReader implements StreamReader {
  #plan: StreamPlan;
  #state: CursorState;
  #roundStart = true;
  /** This round goes on from a cut-short one: once it reaches the end, the window is read too. */
  #continuing = false;
  readonly #pageRows: number;
  readonly #lookbackSecs: number;
  readonly #timeZone: string;

  constructor(options: CursorReaderOptions) {
    this.#plan = options.plan;
    this.#state = options.state;
    this.#roundStart = !options.state.scanning;
    this.#continuing = options.state.scanning && options.plan.mode === 'cursor';
    this.#pageRows = options.pageRows;
    this.#lookbackSecs = options.lookbackSecs;
    this.#timeZone = options.timeZone;
  }

  get plan(): StreamPlan {
    return this.#plan;
  }

  startRound(): void {
    // A round cut short (a failed read, a restart) goes on where it was: going back to the window
    // from a position below the newest row would send rows the window has already forgotten.
    this.#roundStart = !this.#state.scanning;
    this.#continuing = this.#state.scanning && this.#plan.mode === 'cursor';
  }

  replan(plan: StreamPlan): void {
    this.#plan = plan;
  }

  async read(context: ReadContext): Promise<StreamBatch> {
    const plan = this.#plan;
    const from = this.#state;
    const windowed = plan.mode === 'cursor';
    const guard = longestValueGuard(plan.table.columns);
    const query = scanQuery({
      table: plan.table,
      dialect: context.dialect,
      order: [...plan.cursors, ...plan.keys],
      lower: this.#lowerBound(from),
      limit: this.#pageRows,
      extra: guard === null ? [] : [guard],
      notNull: plan.cursors,
    });
    const rows = await fetchRows({ ...context, plan }, query);
    const seen = windowed ? from.seen.clone() : from.seen;
    const records: SourceRecord[] = [];
    const sent: typeof rows = [];
    let position = from.position;
    // Digests are computed only for rows that may already be in the window (their cursor text is
    // there) or that stay in it after this page's prune: with no lookback, the rows at the newest
    // cursor value. Hashing every row was a fifth of the read time on SQLite.
    const lastRow = rows.at(-1);
    const newest = windowed && lastRow !== undefined ? (lastRow.texts[plan.cursorIndexes[0]!] ?? '') : '';
    const keeps = windowTest(newest, newest === '' ? null : this.#millis(newest), this.#lookbackSecs);
    const heldCursors = windowed ? seen.cursorTexts() : new Set<string>();
    for (const row of rows) {
      const cursor = plan.cursorIndexes.map((i) => row.texts[i] ?? '');
      position = { cursor, key: row.key };
      if (windowed) {
        const first = cursor[0]!;
        const ms = this.#lookbackSecs === 0 ? null : this.#millis(first);
        const mayBeHeld = heldCursors.has(first);
        const kept = keeps(first, ms);
        if (mayBeHeld || kept) {
          const digest = rowDigest(row.texts);
          if (mayBeHeld && seen.has(digest)) continue;
          if (kept) seen.add(digest, first, ms);
        }
      }
      records.push(upsertRecord(plan, row.texts, this.#timeZone, context.capturedAt));
      sent.push(row);
    }
    // The other rows of each group this page sends go with it; they do not move the position.
    for (const row of await otherRowsOfGroups(context, plan, sent, this.#pageRows * GROUP_ROWS_PER_PAGE_ROW)) {
      records.push(upsertRecord(plan, row.texts, this.#timeZone, context.capturedAt));
    }
    if (windowed && position !== null) {
      const newest = position.cursor[0]!;
      seen.prune(newest, this.#millis(newest), this.#lookbackSecs);
    }
    const atEnd = rows.length < this.#pageRows;
    // A continued round that reached the end still owes the window read (rows that committed late
    // or at the newest value while it was cut short): that read closes the round.
    const windowOwed = atEnd && this.#continuing;
    const next: CursorState = { position, scanning: !atEnd, seen, columns: tableSignature(plan.table) };
    return {
      records,
      checkpoint: cursorCheckpointJson(next, next.columns!),
      done: atEnd && !windowOwed,
      mustCommit: records.length > 0,
      apply: () => {
        // Only from the state this page was read from: a late or repeated apply never moves back.
        if (this.#state !== from) return;
        this.#state = next;
        this.#roundStart = windowOwed;
        if (windowOwed) this.#continuing = false;
      },
    };
  }

  #millis(cursor: string): number | null {
    return cursorMillis(this.#plan.cursors[0]!, cursor, this.#timeZone);
  }

  #lowerBound(state: CursorState): LowerBound {
    const position = state.position;
    if (position === null) return { type: 'start' };
    if (this.#roundStart && this.#plan.mode === 'cursor') {
      return { type: 'window', from: position.cursor[0]!, seconds: this.#lookbackSecs };
    }
    return { type: 'after', values: [...position.cursor, ...position.key] };
  }
}

/** A timestamp or date cursor's text as epoch ms (for the window's age), else null. */
export function cursorMillis(column: ColumnPlan, text: string, timeZone: string): number | null {
  if (column.kind !== 'timestamp' && column.kind !== 'timestamptz' && column.kind !== 'date') return null;
  const value = toJsonValue(column.kind, text, timeZone);
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? null : ms;
}
