import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchResponseSchema, EnrollResponseSchema, HeartbeatResponseSchema } from '../agents/api/cloud.ts';
import { evaluateRecords } from './batch-rules.ts';
import { canonicalize } from './canonical-json.ts';
import { startSandbox } from './server.ts';
import {
  errorCode,
  send,
  SEQ_BASE,
  startTestSandbox,
  testBatch,
  testRecord,
  TestAgent,
  type TestSandbox,
} from './sandbox-test-kit.ts';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(async () => {
  await t.cleanup();
});

describe('enrollment retry window', () => {
  it('gives the first answer to the same host for 10 minutes, then refuses the key', async () => {
    const { key } = await t.admin.createEnrollmentKey({ entities: ['store-1', 'store-2'] });
    const enroll = () =>
      send(t.sandbox.url, 'POST', '/v1/agents/enroll', {
        body: JSON.stringify({ enrollmentKey: key, name: 'till', hostname: 'pos-pc', version: '1.4.0' }),
        headers: { 'content-type': 'application/json' },
      });
    const first = EnrollResponseSchema.parse((await enroll()).json);
    expect(first.entities).toEqual(['store-1', 'store-2']);
    expect(first.seqFloors).toEqual({ 'store-1': 0, 'store-2': 0 });
    expect(first.cloudKey).toBe((await t.admin.cloudKey()).cloudKey);
    await t.admin.setClockOffset(9 * 60 * 1000);
    expect(EnrollResponseSchema.parse((await enroll()).json).clientSecret).toBe(first.clientSecret);
    await t.admin.setClockOffset(11 * 60 * 1000);
    const late = await enroll();
    expect([late.status, errorCode(late)]).toEqual([409, 'enrollment_key_used']);
    expect(await t.admin.agents()).toHaveLength(1);
  });
});

describe('floors and the seq clock', () => {
  it('hands out per-entity floors (the highest seq held) and refuses seqs past a moved seq horizon', async () => {
    const agent = await TestAgent.enroll(t.sandbox.url, t.admin);
    const high = SEQ_BASE + 5_000_000;
    await agent.sendBatch(testBatch(agent.credentials.agentId, 1, [testRecord({ id: '1' }, { v: 'a' }, high)]));
    expect(await t.admin.seqFloors({ agentId: agent.credentials.agentId })).toEqual({ 'store-7': high });
    const hb = HeartbeatResponseSchema.parse(
      (
        await agent.postJson(`/v1/agents/${agent.credentials.agentId}/heartbeat`, {
          version: '1.4.0',
          uptimeSecs: 1,
          sentAt: new Date().toISOString(),
          channel: 'websocket',
          queue: { depth: 0, oldestAgeSecs: null, deadLetters: 0 },
          sources: [],
          alerts: [],
          auditHead: null,
          acks: [],
        })
      ).json,
    );
    expect(hb).toMatchObject({ seqFloors: { 'store-7': high }, auditHeadAck: null });

    const clock = await t.admin.setSeqClockOffset(-48 * 3600 * 1000);
    expect(clock.maxSeq).toBeLessThan(SEQ_BASE);
    const answer = BatchResponseSchema.parse(
      (await agent.sendBatch(testBatch(agent.credentials.agentId, 2, [testRecord({ id: '2' }, { v: 'b' }, high + 1)])))
        .json,
    );
    expect(answer.rejected).toMatchObject([{ index: 0, code: 'seq_in_future' }]);
    expect(await t.admin.seqFloors({ entities: ['store-7', 'nobody'] })).toEqual({ 'store-7': high, nobody: 0 });
  });
});

describe('the seq rules as a function', () => {
  const rec = (id: string, v: string, seq: number, group?: string) => ({
    ...testRecord({ id }, { v }, seq),
    ...(group === undefined ? {} : { group }),
  });
  const none = { versionAt: () => undefined, latest: () => undefined };
  const options = { maxSeq: Number.MAX_SAFE_INTEGER, refuse: () => null };

  it('sees earlier records of the same batch: A, B, A, a duplicate and a stale one', () => {
    const records = [rec('1', 'a', 10), rec('1', 'b', 11), rec('1', 'a', 12), rec('1', 'a', 12), rec('1', 'x', 5)];
    const outcomes = evaluateRecords(
      records,
      records.map((r) => JSON.stringify(r.key)),
      none,
      options,
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'accepted', 'accepted', 'duplicate', 'stale']);
  });

  it('takes back the effects of a refused group on later records of the batch', () => {
    // The group's member of key 2 is accepted at first; once the group falls, the ungrouped older change of key 2 is the latest.
    const records = [rec('2', 'new', 20, 'g'), rec('3', 'bad', 30, 'g'), rec('2', 'old', 15)];
    const outcomes = evaluateRecords(
      records,
      records.map((r) => JSON.stringify(r.key)),
      none,
      { ...options, refuse: (r) => (r.key.id === '3' ? { code: 'unknown_store', message: 'no' } : null) },
    );
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'rejected', code: 'group_rejected' }),
      expect.objectContaining({ kind: 'rejected', code: 'unknown_store' }),
      { kind: 'accepted' },
    ]);
  });
});

describe('canonicalize (RFC 8785)', () => {
  it('sorts members by UTF-16 code units and writes numbers and strings as ECMAScript does', () => {
    expect(canonicalize({ '\u20ac': 1, '\ud83d\ude00': 2, a: [1e21, 0.1, -0, 'line\n'], B: null })).toBe(
      '{"B":null,"a":[1e+21,0.1,0,"line\\n"],"\u20ac":1,"\ud83d\ude00":2}',
    );
    expect(() => canonicalize({ x: Number.NaN })).toThrow(/RFC 8785/);
  });
});

describe('a database from the previous contract', () => {
  it('is refused with a sentence naming the file and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tya-sandbox-old-'));
    try {
      const dbPath = join(dir, 'old.db');
      const db = new Database(dbPath);
      db.pragma('user_version = 1');
      db.close();
      await expect(startSandbox({ dbPath })).rejects.toThrow(/older cloud contract.*new --db file or delete this one/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
