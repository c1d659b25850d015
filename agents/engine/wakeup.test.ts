import { describe, expect, it } from 'vitest';
import { Wakeup } from './wakeup.ts';

describe('Wakeup', () => {
  it('tells a wake from a timeout, and keeps a wake that came while nobody waited for the next wait', async () => {
    const wakeup = new Wakeup();
    expect(await wakeup.wait(5)).toBe(false);
    const waiting = wakeup.wait(10_000);
    wakeup.wake();
    expect(await waiting).toBe(true);
    // A sync-now during a poll, between two waits: the next wait answers at once that it was woken.
    wakeup.wake();
    const started = Date.now();
    expect(await wakeup.wait(10_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await wakeup.wait(5), 'the kept wake is spent once').toBe(false);
    const aborted = new AbortController();
    const stopping = wakeup.wait(10_000, aborted.signal);
    aborted.abort();
    expect(await stopping).toBe(true);
  });
});
