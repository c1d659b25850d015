/** A folder source on a real folder and a real outbox, driven the way the capture loop drives it. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FolderSourceSchema, type FolderSourceConfig } from '../../api/index.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { FolderSource } from './folder-source.ts';

export interface FolderKit {
  dir: string;
  inbox: string;
  outbox: Outbox;
  notices: string[];
  source: FolderSource;
  /** Reads and commits until the source has nothing more; returns the number of commits. */
  pump(): Promise<number>;
  /** Pumps until `check` holds. */
  pumpUntil(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** A new source instance on the same folder and outbox, as after a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function openFolderKit(
  overrides: Partial<Record<keyof FolderSourceConfig, unknown>> = {},
): Promise<FolderKit> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tya-folder-'));
  const inbox = path.join(dir, 'inbox');
  mkdirSync(inbox);
  const outbox = Outbox.open({
    path: path.join(dir, 'outbox.db'),
    maxBytes: 500_000_000,
    synchronous: 'NORMAL',
    clock: systemClock,
  });
  const notices: string[] = [];
  const config = FolderSourceSchema.parse({
    type: 'folder',
    name: 'bank-folder',
    path: inbox,
    stableMs: 150,
    rescanIntervalSecs: 3600,
    ...overrides,
  });
  const make = () =>
    new FolderSource(config, {
      checkpoints: outbox,
      alerts: outbox,
      files: outbox,
      notice: (message) => notices.push(message),
      secrets: { resolve: () => Promise.reject(new Error('no secrets here')) },
      logger: createSilentLogger(),
      clock: systemClock,
    });
  const abort = new AbortController();
  const kit: FolderKit = {
    dir,
    inbox,
    outbox,
    notices,
    source: make(),
    async pump() {
      let commits = 0;
      for (;;) {
        const result = await kit.source.read(abort.signal);
        if (result === null) return commits;
        outbox.enqueue({
          source: kit.source.name,
          stream: result.stream,
          lane: result.lane,
          records: result.records,
          checkpoint: result.checkpoint,
        });
        result.ack();
        commits += 1;
      }
    },
    async pumpUntil(what, check, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; notices: ${notices.join(' | ')}`);
        await kit.pump();
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    },
    async restart() {
      await kit.source.close();
      kit.source = make();
      await kit.source.connect(abort.signal);
    },
    async close() {
      abort.abort();
      await kit.source.close();
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await kit.source.connect(abort.signal);
  return kit;
}

/** Every queued record of a stream, read from the outbox file over a second connection. */
export function queued(
  kit: FolderKit,
  stream: string,
): Array<{ key: Record<string, string>; data: Record<string, unknown>; lane: string; version: string }> {
  const db = new Database(path.join(kit.dir, 'outbox.db'), { readonly: true });
  try {
    const rows = db
      .prepare<[string], { key_canonical: string; data: string; lane: string; version: string }>(
        'SELECT key_canonical, data, lane, version FROM records WHERE stream = ? ORDER BY id',
      )
      .all(stream);
    return rows.map((r) => ({
      key: JSON.parse(r.key_canonical) as Record<string, string>,
      data: JSON.parse(r.data) as Record<string, unknown>,
      lane: r.lane,
      version: r.version,
    }));
  } finally {
    db.close();
  }
}
