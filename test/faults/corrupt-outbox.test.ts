/**
 * Scenario 6: one byte of the outbox file damaged between two runs of a real agent process. The
 * next start must notice (quick_check), move the file aside with its evidence, and say so as a
 * critical alert in `tya-agent status` — never start silently empty. The outbox also held the
 * source cursors, so the agent re-reads its sources from the start; its enrollment comes back from
 * the keychain (no new key needed). The cloud then holds every row exactly once, the re-read rows
 * counted as duplicates by their content versions.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitFor, type AgentProcess } from '../helpers/agent-process.ts';
import { startAgentWorld, type AgentWorld } from './kit/agent-world.ts';
import { assertExactlyOnce, printReport } from './kit/exactly-once.ts';

let world: AgentWorld;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  world = await startAgentWorld({ label: 'corrupt-outbox', seed: 6, viaProxy: false });
  await world.enroll();
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await world?.close();
});

function quickCheck(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).join('\n');
  } catch (error) {
    return (error as Error).message;
  } finally {
    db.close();
  }
}

/** Overwrites the page-type byte of the `checkpoints` table's root page: a b-tree page SQLite cannot read. */
async function damageOneByte(file: string): Promise<{ offset: number; before: number }> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const root = db.prepare<[], number>("SELECT rootpage FROM sqlite_schema WHERE name = 'checkpoints'").pluck().get()!;
  db.close();
  const offset = (root - 1) * pageSize;
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    await handle.write(Buffer.from([0x00]), 0, 1, offset);
    await handle.sync();
    return { offset, before: byte[0]! };
  } finally {
    await handle.close();
  }
}

describe('a corrupted byte in the outbox between two runs', () => {
  it('is detected at start, moved aside, reported, and the data still arrives exactly once', async () => {
    agent = world.start();
    await world.waitDelivered(agent);
    const delivered = (await world.admin.counts()).recordsAccepted;
    const stopped = await agent.kill('SIGTERM');
    expect(stopped.code, agent.output().slice(-2000)).toBe(0);
    expect(existsSync(`${world.outboxPath}-wal`)).toBe(false);

    const damage = await damageOneByte(world.outboxPath);
    expect(damage.before).not.toBe(0);
    expect(quickCheck(world.outboxPath)).not.toBe('ok');
    world.pos.addReceipts(4);

    agent = world.start();
    await waitFor(
      'the corruption alert',
      async () => (await world.status()).alerts.some((a) => a.code === 'outbox_corrupt'),
      {
        timeoutMs: 45_000,
        intervalMs: 200,
        describe: () => agent!.output().slice(-2000),
      },
    );
    const status = await world.status();
    const alert = status.alerts.find((a) => a.code === 'outbox_corrupt')!;
    expect(alert.severity).toBe('critical');
    const movedTo = /moved aside to (\S+?);/.exec(alert.message)?.[1];
    expect(movedTo, alert.message).toMatch(/outbox\.db\.corrupt-\d{8}T\d{6}Z/);
    expect(existsSync(movedTo!)).toBe(true);
    expect(quickCheck(movedTo!)).not.toBe('ok');
    expect(quickCheck(world.outboxPath)).toBe('ok');
    // Not a silent empty start: the status says what happened, needs attention, and the sources are read again.
    const words = await runCli(['status', '--config', world.configFile]);
    expect(words.stdout).toContain('!! The outbox file was damaged and has been moved aside');
    expect(words.code).toBe(3);
    const rows = world.sourceRows().length;
    // The enrollment comes back from the keychain: nothing to do but wait for the re-read to go out.
    expect(status.enrollment.enrolled).toBe(true);
    expect(status.alerts.map((a) => a.code)).not.toContain('not_enrolled');
    await world.waitDelivered(agent);
    const report = await world.reconcile('corrupt-outbox');
    printReport(report, {
      damagedOffset: damage.offset,
      movedTo: movedTo!.split('/').at(-1),
      requeuedAfterRecovery: rows,
      deliveredBefore: delivered,
    });
    assertExactlyOnce(report);
    expect(report.counts.duplicates).toBeGreaterThanOrEqual(delivered);
  }, 120_000);
});
