/**
 * kill -9 mid-stream: a child process runs the RabbitMQ source, capture loop and outbox and is killed
 * while messages flow, twice, then runs to the end. Every message must be in the outbox exactly once,
 * and no commit may have carried an already-committed message (the broker's redeliveries of the
 * messages committed but not yet acked are dropped by the source, not by the outbox's own dedupe).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelModel } from 'amqplib';
import { systemClock } from '../../pipeline/clock.ts';
import { makeTempDir, openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import type { TempDir } from '../../outbox/outbox-test-kit.ts';
import { openBroker, rabbitSkipReason, uniqueName } from './rabbitmq-test-kit.ts';

const skipReason = await rabbitSkipReason();
const CHILD = path.join(import.meta.dirname, 'rabbitmq-kill-child-test-kit.ts');

/** Records in the outbox file, read beside the child: its stdout can lose the line of a commit it was killed right after. */
function recordsIn(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface Run {
  inserted: number;
  duplicates: number;
  exited: boolean;
  kill(): Promise<void>;
}

function startChild(outboxFile: string, queue: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env, TYA_RMQ_OUTBOX: outboxFile, TYA_RMQ_QUEUE: queue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const run: Run = {
    inserted: 0,
    duplicates: 0,
    exited: false,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
  child.once('exit', () => (run.exited = true));
  let rest = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^commit (\d+) (\d+)$/.exec(line);
      if (match === null) continue;
      run.inserted += Number(match[1]);
      run.duplicates += Number(match[2]);
    }
  });
  return run;
}

async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(skipReason !== undefined)('RabbitMQ source under kill -9 (real broker)', () => {
  let broker: ChannelModel | undefined;
  let temp: TempDir | undefined;
  const runs: Run[] = [];
  afterEach(async () => {
    for (const run of runs.splice(0)) await run.kill();
    await broker?.close().catch(() => undefined);
    temp?.remove();
  });

  it('every message id exactly once after a kill between commit and ack and a kill mid-stream', async () => {
    broker = await openBroker();
    const admin = await broker.createConfirmChannel();
    const queue = uniqueName('kill');
    await admin.assertQueue(queue, { durable: false });
    const total = 4000;
    for (let i = 0; i < total; i += 1) {
      admin.sendToQueue(queue, Buffer.from(JSON.stringify({ receipt_id: i, total: `${i}.25` })), { messageId: `k-${i}`, persistent: true });
    }
    await admin.waitForConfirms();
    temp = makeTempDir();
    const file = temp.path('outbox.db');
    try {
      // First death at the worst moment: page 10 committed, not acked. The broker redelivers it.
      const first = startChild(file, queue, { TYA_FAULT_KILL_AT: 'capture.after-commit:10' });
      runs.push(first);
      await until('the fault point killed the child', () => first.exited);
      expect(first.inserted).toBeGreaterThan(0); // pages hold what had arrived, up to 50
      // Second death at a random moment mid-stream.
      const second = startChild(file, queue);
      runs.push(second);
      await until('1500 more records committed', () => second.inserted >= 1500);
      await second.kill();
      expect(second.duplicates).toBe(0); // the redelivered page 10 was dropped by the source
      const last = startChild(file, queue);
      runs.push(last);
      // Counted in the file: a kill -9 between a commit and its stdout line is exactly what this test provokes.
      await until('the rest committed', () => recordsIn(file) >= total);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // a doubled record would show up now
      await last.kill();
      expect(last.duplicates).toBe(0);
    } finally {
      const outbox = openTestOutbox(file, systemClock);
      const depth = outbox.stats().depth;
      outbox.close();
      expect(depth).toBe(total);
      const left = await admin.checkQueue(queue);
      await admin.deleteQueue(queue);
      // The last run acked everything it committed.
      expect(left.messageCount).toBe(0);
    }
  }, 180_000);
});
