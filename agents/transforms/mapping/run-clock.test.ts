import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createRunClock } from './run-clock.ts';
import { currentThreadId, threadCpuMs } from './thread-cpu.ts';

describe('createRunClock', () => {
  it('counts CPU time, not the wall time the thread spent waiting for a core', () => {
    let wall = 1000;
    let cpu = 50;
    const clock = createRunClock(1, () => cpu, () => wall);
    expect(clock.now()).toBe(0);
    // 200 ms of wall time pass, of which the thread ran 3 ms (the rest it waited).
    wall += 200;
    cpu += 3;
    expect(clock.now()).toBe(3);
    // Within the resync step the wall time since the last reading is added (at most 1 ms).
    wall += 0.5;
    expect(clock.now()).toBe(3.5);
    wall += 0.6;
    cpu += 0.2;
    expect(clock.now()).toBeCloseTo(3.2, 9);
  });

  it('reads the CPU time at most once per resync step', () => {
    let wall = 0;
    let reads = 0;
    const clock = createRunClock(1, () => (reads += 1), () => wall);
    for (let i = 0; i < 100; i += 1) {
      wall += 0.01;
      clock.now();
    }
    // One read when made, one when the first millisecond was over.
    expect(reads).toBe(2);
  });

  it("follows this thread's real CPU time while it works", () => {
    const clock = createRunClock();
    const start = performance.now();
    let sum = 0;
    while (performance.now() - start < 60) sum += Math.sqrt(sum + 1);
    const ran = clock.now();
    expect(sum).toBeGreaterThan(0);
    // A busy loop runs nearly all of its wall time, unless the machine took the core away.
    expect(ran).toBeGreaterThan(5);
    expect(ran).toBeLessThanOrEqual(performance.now() - start + 2);
  });
});

describe('threadCpuMs', () => {
  it("reads another thread's CPU time by its kernel id, and nothing for a thread that has gone", async () => {
    if (process.platform !== 'linux') {
      console.log('skipped: /proc thread times exist only on Linux');
      expect(currentThreadId()).toBeUndefined();
      return;
    }
    expect(currentThreadId()).toBeGreaterThan(0);
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
       parentPort.postMessage(tid);
       const end = Date.now() + 400; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);
       parentPort.postMessage('done');`,
      { eval: true },
    );
    const messages: unknown[] = [];
    const done = new Promise<void>((resolve) =>
      worker.on('message', (m: unknown) => {
        messages.push(m);
        if (m === 'done') resolve();
      }),
    );
    await done;
    const tid = messages[0] as number;
    const used = threadCpuMs(tid);
    // It spun for 400 ms of wall time; the kernel counts in 10 ms ticks and a loaded machine takes some.
    expect(used).toBeGreaterThanOrEqual(40);
    await worker.terminate();
    expect(threadCpuMs(tid)).toBeUndefined();
  });
});
