import { describe, expect, it } from 'vitest';
import { OdbcStreamSchema } from '../../api/index.ts';
import { roundDue, SNAPSHOT_DEFAULTS, streamSettings } from './stream-settings.ts';

const base = { name: 'items', table: 'items', keyColumns: ['id'] };

function issues(input: Record<string, unknown>): string[] {
  const result = OdbcStreamSchema.safeParse({ ...base, ...input });
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('stream modes in the config', () => {
  it('keeps existing cursor configs valid and fills in the defaults', () => {
    const stream = OdbcStreamSchema.parse({ ...base, cursorColumn: 'updated_at' });
    expect(streamSettings(stream)).toEqual({
      mode: 'cursor',
      cursorColumns: ['updated_at'],
      lookbackSecs: 0,
      snapshot: SNAPSHOT_DEFAULTS,
      intervalMs: 0,
      readAt: null,
    });
  });

  it('reads several cursor columns, a lookback, append and snapshot settings', () => {
    const cursor = OdbcStreamSchema.parse({ ...base, cursorColumns: ['day', 'seq'], lookbackSecs: 300 });
    expect(streamSettings(cursor)).toMatchObject({ mode: 'cursor', cursorColumns: ['day', 'seq'], lookbackSecs: 300 });
    expect(streamSettings(OdbcStreamSchema.parse({ ...base, mode: 'append' }))).toMatchObject({
      mode: 'append',
      cursorColumns: [],
    });
    const snapshot = OdbcStreamSchema.parse({
      ...base,
      mode: 'snapshot',
      snapshot: { leafRows: 16 },
      intervalSecs: 300,
    });
    expect(streamSettings(snapshot)).toMatchObject({
      mode: 'snapshot',
      snapshot: { ...SNAPSHOT_DEFAULTS, leafRows: 16 },
      intervalMs: 300_000,
    });
  });

  it('refuses settings that do not fit the mode, saying which', () => {
    expect(issues({})).toEqual(['cursorColumn: cursor mode needs either "cursorColumn" or "cursorColumns"']);
    expect(issues({ cursorColumn: 'a', cursorColumns: ['b'] })).toEqual([
      'cursorColumn: cursor mode needs either "cursorColumn" or "cursorColumns"',
    ]);
    expect(issues({ mode: 'append', cursorColumn: 'a' })).toEqual([
      'mode: append mode reads no cursor column: remove "cursorColumn"/"cursorColumns" or use mode "cursor"',
    ]);
    expect(issues({ mode: 'snapshot', lookbackSecs: 5 })).toEqual([
      'lookbackSecs: "lookbackSecs" belongs to cursor mode',
    ]);
    expect(issues({ cursorColumn: 'a', snapshot: {} })).toEqual([
      'snapshot: "snapshot" settings belong to snapshot mode',
    ]);
    expect(issues({ mode: 'snapshot', snapshot: { minChunkRows: 10, maxChunkRows: 5 } })).toEqual([
      'snapshot: minChunkRows must not exceed maxChunkRows',
    ]);
  });
});

describe('when a stream round is due', () => {
  const at = (iso: string) => Date.parse(iso);
  it('by interval, or at its read time in the schedule zone (a nightly snapshot diff at 02:00)', () => {
    const byInterval = streamSettings({
      name: 'vat',
      table: 'vat',
      keyColumns: ['code'],
      mode: 'snapshot',
      intervalSecs: 60,
    } as never);
    expect(roundDue(byInterval, 'UTC', 0, 59_999)).toBe(false);
    expect(roundDue(byInterval, 'UTC', 0, 60_000)).toBe(true);
    const nightly = streamSettings({
      name: 'vat',
      table: 'vat',
      keyColumns: ['code'],
      mode: 'snapshot',
      readAt: '0 2 * * *',
    } as never);
    const lastRound = at('2026-12-05T01:00:00Z'); // 02:00 in Berlin
    expect(roundDue(nightly, 'Europe/Berlin', lastRound, at('2026-12-05T23:00:00Z'))).toBe(false);
    expect(roundDue(nightly, 'Europe/Berlin', lastRound, at('2026-12-06T01:00:00Z'))).toBe(true);
    // The same times in UTC come an hour later than in Berlin.
    expect(roundDue(nightly, 'UTC', lastRound, at('2026-12-05T02:00:00Z'))).toBe(true);
    expect(roundDue(nightly, 'Europe/Berlin', lastRound, at('2026-12-05T02:00:00Z'))).toBe(false);
  });
});
