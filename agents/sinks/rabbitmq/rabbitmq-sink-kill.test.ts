/**
 * kill -9 of a process that captures and publishes at once, twice, then a run to the end. Counted
 * from the outbox file and the broker, never from the child's output: every committed record's
 * message id reaches the consumer at least once, the sink queue ends empty, every record is counted
 * confirmed once, and every duplicate the consumer saw is one the sink counted as republished.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../outbox/outbox-test-kit.ts';
import { sinkMessageId } from '../../outbox/sink-queue-store.ts';
import { rabbitSkipReason, uniqueName } from '../../sources/rabbitmq/rabbitmq-test-kit.ts';
import { countIds, until, type IdCounter } from './rabbitmq-sink-test-kit.ts';

const skipReason = await rabbitSkipReason();
const CHILD = path.join(import.meta.dirname, 'rabbitmq-sink-kill-child-test-kit.ts');
const TOTAL = 6000;

interface Counts {
  records: number;
  waiting: number;
  seqs: number[];
  confirmed: number;
  republished: number;
}

/** What the outbox file holds, read beside the child (WAL: a reader never blocks it). */
function countsIn(file: string): Counts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const seqs = db.prepare<[], number>("SELECT seq FROM records WHERE stream = 'receipts' ORDER BY seq").pluck().all();
    const waiting = db.prepare<[], number>("SELECT COUNT(*) FROM sink_queue WHERE sink = 'mq'").pluck().get() ?? 0;
    const state = db.prepare<[], { confirmed: number; republished: number }>("SELECT confirmed, republished FROM sink_state WHERE sink = 'mq'").get();
    return { records: seqs.length, waiting, seqs, confirmed: state?.confirmed ?? 0, republished: state?.republished ?? 0 };
  } catch {
    return { records: 0, waiting: 0, seqs: [], confirmed: 0, republished: 0 }; // the child has not migrated the file yet
  } finally {
    db.close();
  }
}

function startChild(file: string, exchange: string): ChildProcess {
  return spawn(process.execPath, [CHILD], {
    env: { ...process.env, TYA_SINK_OUTBOX: file, TYA_SINK_EXCHANGE: exchange, TYA_SINK_TOTAL: String(TOTAL) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe.skipIf(skipReason !== undefined)('RabbitMQ sink under kill -9 (real broker)', () => {
  let temp: TempDir | undefined;
  let consumer: IdCounter | undefined;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) await kill(child);
    await consumer?.close();
    temp?.remove();
  });

  it('loses no committed record across two kills mid-capture and mid-publish', async () => {
    const exchange = uniqueName('sink-kill');
    consumer = await countIds(exchange, uniqueName('sinkq'));
    temp = makeTempDir();
    const file = temp.path('outbox.db');
    const seen = consumer.seen;

    const first = startChild(file, exchange);
    children.push(first);
    // Killed while committed records still wait to be published: on loaded cores the publisher can
    // catch up with capture, so the moment is chosen by the queue on disk, not by the count alone.
    await until('1500 messages published with more waiting', () => seen.size >= 1500 && countsIn(file).waiting > 0);
    await kill(first);
    const afterFirst = countsIn(file);
    expect(afterFirst.records).toBeLessThan(TOTAL); // killed mid-capture
    expect(afterFirst.waiting).toBeGreaterThan(0); // and mid-publish

    const second = startChild(file, exchange);
    children.push(second);
    await until('3500 messages published', () => seen.size >= 3500);
    await kill(second);

    const last = startChild(file, exchange);
    children.push(last);
    let now = countsIn(file);
    await until('every record committed and confirmed', () => {
      now = countsIn(file);
      return now.records === TOTAL && now.waiting === 0;
    }, 90_000).catch((error: unknown) => {
      const exited = last.exitCode !== null || last.signalCode !== null ? ` (the child exited: ${last.exitCode ?? last.signalCode})` : '';
      throw new Error(`${String(error)}: ${now.records} committed, ${now.waiting} waiting, ${now.confirmed} confirmed, ${now.republished} republished, consumer saw ${seen.size}${exited}`);
    });
    await until('the consumer saw every message', () => seen.size >= TOTAL, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a late duplicate would show now
    await kill(last);

    const end = countsIn(file);
    const expected = end.seqs.map((seq) => sinkMessageId('pos', 'receipts', seq));
    const missing = expected.filter((id) => !seen.has(id));
    const duplicates = consumer.duplicates();
    console.log(`sink under kill -9: ${TOTAL} records, republished ${end.republished}, duplicates seen ${duplicates}, after the first kill ${afterFirst.records} committed / ${afterFirst.waiting} waiting`);
    expect(missing).toEqual([]);
    expect(seen.size).toBe(TOTAL); // no message the outbox does not hold
    expect(end.confirmed).toBe(TOTAL);
    expect(duplicates).toBeLessThanOrEqual(end.republished);
  }, 180_000);
});
