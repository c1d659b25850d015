import { describe, expect, it } from 'vitest';
import { streamConfig, type StreamDraft } from './stream-config.ts';

describe('a stream edited in the source form', () => {
  it('keeps the keys the form does not show, such as the lane and a nightly read time', () => {
    const loaded = { name: 'shifts', table: 'shifts', keyColumns: ['id'], mode: 'cursor', cursorColumn: 'updated_at', lane: 'urgent', pageRows: 50, lookbackSecs: 30 };
    expect(streamConfig(loaded as StreamDraft)).toEqual(loaded);
    const nightly = { name: 'vat', table: 'vat', keyColumns: ['code'], mode: 'snapshot', readAt: '0 2 * * *', snapshot: { leafRows: 16 } };
    expect(streamConfig(nightly as StreamDraft)).toEqual(nightly);
  });

  it('drops the keys of the old mode when the mode changes, so the config stays valid', () => {
    const switched = { name: 'items', table: 'items', keyColumns: ['id'], mode: 'snapshot', cursorColumn: 'updated_at', lookbackSecs: 30, lane: 'bulk' };
    expect(streamConfig(switched as StreamDraft)).toEqual({ name: 'items', table: 'items', keyColumns: ['id'], mode: 'snapshot', lane: 'bulk' });
  });
});
