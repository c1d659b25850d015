/**
 * Large files through the folder source (issue 10 item 3): a file of 1 MiB or more (STREAM_ENTRIES_FROM_BYTES) is checked in a
 * first pass without keeping its entries, then its entries come page by page from a second pass in
 * the reading worker. The same records as a whole-file read, and a restart in the middle skips the
 * pages already committed. Real folder, real outbox, real worker thread.
 */
import { createWriteStream, renameSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFileStreaming, type Entry } from '../../formats/index.ts';
import { camtChunks } from '../../transforms/statements/statement-samples.ts';
import { openFolderKit, queued, type FolderKit } from './folder-test-kit.ts';

const IBAN = 'DE89370400440532013000';
let kit: FolderKit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeChunks(file: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

describe('folder source: large files streamed', () => {
  it('sends every entry of a 10 MB statement page by page, and after a restart only the pages not yet committed', async () => {
    kit = await openFolderKit({ pageRows: 2000, stableMs: 100 });
    const file = path.join(kit.inbox, 'large.xml');
    const total = 26_000;
    // Written beside the inbox and renamed in: the source must not see it half written.
    const outside = path.join(kit.dir, 'large.xml');
    await writeChunks(outside, camtChunks({ iban: IBAN, sequence: 1, opening: '100.00', from: 0, to: total }));
    const expected: Entry[] = [];
    const check = await parseFileStreaming(outside, { onEntry: (entry) => expected.push(entry) });
    renameSync(outside, file);
    expect(check.accepted).toBe(true);
    expect(check.bytes).toBeGreaterThan(8 * 1024 * 1024);

    const abort = new AbortController();
    let commits = 0;
    const deadline = Date.now() + 60_000;
    while (commits < 4) {
      const result = await kit.source.read(abort.signal);
      if (result === null) {
        expect(kit.notices.filter((n) => n.includes('rejected'))).toEqual([]);
        expect(Date.now()).toBeLessThan(deadline);
        await sleep(50);
        continue;
      }
      kit.outbox.enqueue({
        source: 'bank-folder',
        stream: result.stream,
        lane: result.lane,
        records: result.records,
        checkpoint: result.checkpoint,
      });
      result.ack();
      commits += 1;
    }
    expect(queued(kit, 'bank_entries')).toHaveLength(3 * 2000);
    await kit.restart();
    const offered: Record<string, number> = {};
    for (let done = false; !done;) {
      const result = await kit.source.read(abort.signal);
      if (result === null) {
        await sleep(50);
        continue;
      }
      offered[result.stream] = (offered[result.stream] ?? 0) + result.records.length;
      kit.outbox.enqueue({
        source: 'bank-folder',
        stream: result.stream,
        lane: result.lane,
        records: result.records,
        checkpoint: result.checkpoint,
      });
      result.ack();
      done = result.stream === 'source_files';
    }
    expect(offered).toEqual({ bank_statements: 1, bank_entries: total - 3 * 2000, source_files: 1 });
    const entries = queued(kit, 'bank_entries');
    expect(entries).toHaveLength(total);
    expect(new Set(entries.map((e) => e.key.entryKey))).toEqual(new Set(expected.map((e) => e.entryKey)));
    const byKey = new Map(entries.map((e) => [e.key.entryKey, e.data]));
    for (const entry of [expected[0], expected[12_345], expected[total - 1]]) {
      expect(byKey.get(entry!.entryKey)).toMatchObject({
        amount: entry!.amount,
        bookingDate: entry!.bookingDate,
        accountId: IBAN,
      });
    }
    const statement = queued(kit, 'bank_statements')[0]!;
    expect(statement.data).toMatchObject({ entryCount: String(total), accountId: IBAN });
    const summary = queued(kit, 'source_files')[0]!;
    expect(summary.data).toMatchObject({ name: 'large.xml', format: 'camt.053', entries: String(total) });
  }, 120_000);
});
