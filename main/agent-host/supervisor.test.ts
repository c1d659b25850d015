import { describe, expect, it } from 'vitest';
import { exitReason, Supervisor, type SupervisedChild, type SupervisorState } from './supervisor.ts';

class FakeChild implements SupervisedChild {
  static next = 100;
  readonly pid = FakeChild.next++;
  #listener: (code: number) => void = () => undefined;
  killed = false;
  onExit(listener: (code: number) => void): void {
    this.#listener = listener;
  }
  kill(): boolean {
    this.killed = true;
    this.#listener(143);
    return true;
  }
  exit(code: number): void {
    this.#listener(code);
  }
}

function harness() {
  let now = 0;
  const children: FakeChild[] = [];
  const states: SupervisorState[] = [];
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const supervisor = new Supervisor(
    {
      spawn: () => {
        const child = new FakeChild();
        children.push(child);
        return child;
      },
      now: () => now,
      setTimer: (fn, ms) => {
        const timer = { at: now + ms, fn, cancelled: false };
        timers.push(timer);
        return { cancel: () => (timer.cancelled = true) };
      },
      onState: (state) => states.push(state),
    },
    { initialBackoffMs: 1000, maxBackoffMs: 8000, stableAfterMs: 60_000, maxCrashes: 5, crashWindowMs: 600_000 },
  );
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
      timer.cancelled = true;
      timer.fn();
    }
  };
  return { supervisor, children, states, advance, last: () => children.at(-1)! };
}

describe('exitReason', () => {
  it('types every exit', () => {
    expect(exitReason(4, false)).toEqual({ type: 'config-invalid' });
    expect(exitReason(5, false)).toEqual({ type: 'keychain-unavailable' });
    expect(exitReason(6, false)).toEqual({ type: 'not-enrolled' });
    expect(exitReason(1, false)).toEqual({ type: 'crashed', code: 1 });
    expect(exitReason(137, false)).toEqual({ type: 'killed', code: 137 });
    expect(exitReason(1, true)).toEqual({ type: 'stopped' });
  });
});

describe('Supervisor', () => {
  it('restarts a crashed agent with doubling backoff up to the cap', () => {
    const h = harness();
    h.supervisor.start();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.advance(100);
      h.last().exit(1);
      const state = h.states.at(-1)!;
      expect(state.phase).toBe('restarting');
      if (state.phase === 'restarting') delays.push(state.inMs);
      h.advance(state.phase === 'restarting' ? state.inMs : 0);
      expect(h.states.at(-1)!.phase).toBe('running');
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(h.children).toHaveLength(5);
  });

  it('starts the backoff again after the agent stayed up', () => {
    const h = harness();
    h.supervisor.start();
    h.last().exit(1);
    h.advance(1000);
    h.last().exit(1);
    h.advance(2000);
    h.advance(120_000);
    h.last().exit(1);
    expect(h.states.at(-1)).toMatchObject({ phase: 'restarting', inMs: 1000 });
  });

  it('waits for a person when a restart cannot help', () => {
    const h = harness();
    h.supervisor.start();
    h.last().exit(4);
    expect(h.states.at(-1)).toMatchObject({ phase: 'needs-attention', reason: { type: 'config-invalid' } });
    h.advance(600_000);
    expect(h.children).toHaveLength(1);
  });

  it('gives up on a crash loop', () => {
    const h = harness();
    h.supervisor.start();
    for (let i = 0; i < 5; i++) {
      h.last().exit(1);
      h.advance(10_000);
    }
    expect(h.states.at(-1)).toMatchObject({ phase: 'gave-up', reason: { type: 'crashed', code: 1 } });
    expect(h.children).toHaveLength(5);
  });

  it('stops without restarting, also while a restart is pending', () => {
    const h = harness();
    h.supervisor.start();
    h.supervisor.stop();
    expect(h.last().killed).toBe(true);
    expect(h.states.at(-1)).toEqual({ phase: 'stopped' });
    h.supervisor.start();
    h.last().exit(1);
    h.supervisor.stop();
    h.advance(10_000);
    expect(h.children).toHaveLength(2);
    expect(h.states.at(-1)).toEqual({ phase: 'stopped' });
  });
});
