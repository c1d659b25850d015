/**
 * Where the sink reads next after a flush (cursorAfterFlush): never above a row it has not published
 * in this session, whatever order the broker confirmed in. The sink queue's ids are SQLite rowids, so
 * a row inserted after the rows at the top were deleted reuses their ids.
 */
import { describe, expect, it } from 'vitest';
import { cursorAfterFlush } from './rabbitmq-sink.ts';

describe('the RabbitMQ sink read position after confirms', () => {
  it('stays where it is while the last published row is unconfirmed', () => {
    expect(cursorAfterFlush(100, new Set([97, 98, 99, 100]))).toBe(100);
  });

  it('starts again from the beginning when everything published was confirmed (the queue may be empty, ids restart at 1)', () => {
    expect(cursorAfterFlush(100, new Set())).toBe(0);
  });

  it('drops to the highest row still in flight when the broker confirmed the last ones first', () => {
    // Confirms can come out of order (an unroutable message is confirmed at once, a routed persistent
    // one after its queue wrote it): rows 99 and 100 are gone, so the next insert may get id 99.
    expect(cursorAfterFlush(100, new Set([95, 98]))).toBe(98);
  });
});
