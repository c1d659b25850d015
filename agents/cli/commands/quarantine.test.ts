/**
 * `tya-agent quarantine` with no agent running: it works on the data folder directly (holding it),
 * lists what waits with the reason, corrects, replays with the capture seq and says so, and exits 2
 * for an id that does not exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { QuarantineEntry } from '../../api/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { makeRecords, openTestOutbox } from '../../outbox/outbox-test-kit.ts';
import { buildProgram } from '../program.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tya-quarantine-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = path.join(dir, 'agent.json');
writeFileSync(config, JSON.stringify({ agent: { name: 'Offline', dataDir: 'data' }, cloud: { url: 'http://127.0.0.1:9', entity: 'store-1' }, sources: [] }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  await buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l), interactive: false }, (c) => (code = c)).parseAsync(['node', 'tya-agent', ...args, '--config', config]);
  return { out: out.join('\n'), err: err.join('\n'), code };
}

describe('tya-agent quarantine, agent stopped', () => {
  it('lists, corrects and replays on the data folder, and names a missing id as a usage error', async () => {
    // An agent that ran before left one quarantined sale behind.
    const created = await run('quarantine', 'list');
    expect(created.code, created.err).toBe(0);
    const outbox = openTestOutbox(path.join(dir, 'data', 'outbox.db'), systemClock);
    outbox.enqueue({
      source: 'till', stream: 'sales', lane: 'bulk', records: makeRecords('sales', 7, 1, { data: () => ({ id: '7', total: 'x' }) }), checkpoint: 1,
      quarantine: new Map([[0, { stage: 'mapping', reasons: [{ code: 'mapping_expression', path: 'total', value: 'x', message: 'total is not a number', severity: 'reject' }] }]]),
    });
    outbox.close();
    const listed = await run('quarantine', 'list', '--json');
    const [entry] = JSON.parse(listed.out) as QuarantineEntry[];
    expect(entry).toMatchObject({ source: 'till', stream: 'sales', key: { id: '7' }, status: 'quarantined' });
    const text = await run('quarantine', 'list');
    expect(text.out).toContain('mapping_expression at total: total is not a number');
    const edited = await run('quarantine', 'edit', String(entry!.id), '--set', 'total=7.00');
    expect(edited.code, edited.err).toBe(0);
    const replayed = await run('quarantine', 'replay', String(entry!.id));
    expect(replayed.code, replayed.err).toBe(0);
    expect(replayed.out).toBe('1 replayed (sent when the agent next runs), 0 superseded by newer changes (not sent), 0 still failing.');
    const queued = openTestOutbox(path.join(dir, 'data', 'outbox.db'), systemClock);
    const batch = queued.nextBatch({ lane: 'bulk', maxRecords: 10, maxBytes: 1_000_000 })!;
    queued.close();
    expect(batch.records.map((r) => [r.seq, r.data])).toEqual([[entry!.seq, { id: '7', total: '7.00' }]]);
    const missing = await run('quarantine', 'show', '999');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('There is no quarantined record 999');
  });
});
