import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../outbox/outbox-test-kit.ts';
import { PausedSources } from './paused-sources.ts';

describe('PausedSources', () => {
  let tmp: TempDir | undefined;
  afterEach(() => tmp?.remove());

  it('keeps a pause in the outbox across a restart until the source is resumed', () => {
    tmp = makeTempDir();
    const clock = new ManualClock();
    const first = openTestOutbox(tmp.path('outbox.db'), clock);
    const before = new PausedSources(() => first, () => clock.now());
    before.set('till', true);
    before.set('erp', true);
    before.set('erp', false);
    first.close();

    const second = openTestOutbox(tmp.path('outbox.db'), clock);
    const after = new PausedSources(() => second, () => clock.now());
    expect([after.has('till'), after.has('erp'), after.has('bank')]).toEqual([true, false, false]);
    after.set('till', false);
    expect(after.has('till')).toBe(false);
    second.close();
  });
});
