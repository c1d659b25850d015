/**
 * The Exchange view from real parts: the SFTP ledger the puller writes (sftp-exchange.sqlite), the
 * outbox's file knowledge for "waiting", "delivering", "kept" and "imported", and a RabbitMQ source's
 * counters as the status tracker keeps them (persisted, so they survive a restart of the agent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AgentConfigSchema, type AgentStatus } from '../../api/index.ts';
import { StatusTracker } from '../../engine/status-tracker.ts';
import { SftpLedger } from '../../exchange/sftp/sftp-ledger.ts';
import { systemClock } from '../../pipeline/clock.ts';
import { exchangeView } from './exchange-view.ts';
import type { FileImportInfo } from '../../exchange/sftp/after-import-readiness.ts';
import type { FileRecords } from '../../outbox/file-records.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const config = AgentConfigSchema.parse({
  agent: { name: 'x', dataDir: 'data' },
  cloud: { url: 'https://cloud.example', entity: 'store-1' },
  sources: [{ type: 'rabbitmq', name: 'pos', url: 'amqp://guest@127.0.0.1:5672', queue: 'pos.sales', stream: 'sales', key: ['id'], deadLetterExchange: 'pos.dead' }],
  exchange: { sftp: [{ name: 'bank', host: 'sftp.bank.example', user: 'u', auth: 'password', secret: { secretRef: 'sftp/bank' }, pull: { remoteDir: '/out', intoFolder: '/var/in', afterImport: 'move:/archive' } }] },
});

it('shows queue figures that survive a restart, and each fetched file with its state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tya-exchange-view-'));
  dirs.push(dir);
  const store = new Map<string, string>();
  const persisted = { getState: (k: string) => store.get(k), setState: (k: string, v: string) => void store.set(k, v) };
  const before = new StatusTracker(systemClock, persisted);
  before.registerSource('pos', 'rabbitmq');
  before.sourceSucceeded('pos', 120);
  before.sourceCount('pos', 'redeliveriesDropped', 3);
  before.sourceCount('pos', 'poisoned', 1);
  before.sourceCount('pos', 'redeliveriesDropped', 2);
  before.persistAll();
  // A new tracker over the same store: the agent after a restart.
  const after = new StatusTracker(systemClock, persisted);
  after.registerSource('pos', 'rabbitmq');
  const status = { sources: after.sourceStatuses() } as unknown as AgentStatus;
  expect(status.sources[0]?.counters).toEqual({ redeliveriesDropped: 5, poisoned: 1 });

  const ledger = new SftpLedger(dir);
  const file = (remotePath: string, sha: string, localName: string, minute: number) => ({ server: 'bank', remotePath, size: 100, mtime: 1, sha256: sha.repeat(64), localName, fetchedAt: `2026-11-28T10:0${minute}:00.000Z` });
  ledger.recordFetched(file('/out/a.xml', 'a', 'a.xml', 1));
  ledger.recordFetched(file('/out/b.xml', 'b', 'b.xml', 2));
  ledger.recordFetched(file('/out/b-again.xml', 'b', '', 3));
  ledger.recordFetched(file('/out/c.xml', 'c', 'c.xml', 4));
  ledger.recordFetched(file('/out/e.xml', 'e', 'e.xml', 5));
  ledger.recordFetched(file('/out/f.xml', 'f', 'f.xml', 6));
  ledger.markAfterImport({ server: 'bank', remotePath: '/out/c.xml', size: 100, mtime: 1 }, 'moved:/archive/c.xml');
  ledger.recordPushed({ target: 'bank', sha256: 'd'.repeat(64), name: 'pay.xml', remotePath: '/in/pay.xml', pushedAt: new Date().toISOString() });
  ledger.close();

  const records = (r: Partial<FileRecords> = {}): FileRecords => ({ inFlight: 0, rejected: 0, quarantined: 0, notSent: 0, ...r });
  const imported = new Date().toISOString();
  const infos: Record<string, FileImportInfo> = {
    a: { importedAt: null, uploadState: 'pending', records: records() },
    b: { importedAt: imported, uploadState: 'uploaded', records: records() },
    e: { importedAt: imported, uploadState: 'uploaded', records: records({ inFlight: 3 }) },
    f: { importedAt: imported, uploadState: 'uploaded', records: records({ inFlight: 3, rejected: 2 }) },
  };
  const view = exchangeView({
    config,
    status,
    dataDir: dir,
    fileInfo: (sha) => infos[sha[0]!],
  });
  expect(view.rabbitmq).toEqual([{ source: 'pos', queue: 'pos.sales', stream: 'sales', state: 'starting', consumed: 120, redeliveriesDropped: 5, poisoned: 1, deadLetterExchange: 'pos.dead', lastSuccessAt: status.sources[0]!.lastSuccessAt, lastError: null }]);
  expect(view.sftp.servers).toEqual([{ name: 'bank', host: 'sftp.bank.example', port: 22, pull: { remoteDir: '/out', intervalSecs: 300, afterImport: 'move:/archive' }, push: null }]);
  expect(view.sftp.fetched.map((f) => [f.remotePath, f.state, f.movedTo, f.reason])).toEqual([
    ['/out/f.xml', 'kept', null, 'kept: 2 records rejected by the cloud (tya-agent dlq list)'],
    ['/out/e.xml', 'delivering', null, 'waiting for delivery: 3 records not yet accepted by the cloud'],
    ['/out/c.xml', 'moved', '/archive/c.xml', null],
    ['/out/b-again.xml', 'duplicate', null, null],
    ['/out/b.xml', 'imported', null, null],
    ['/out/a.xml', 'waiting', null, 'waiting for the folder source to import it'],
  ]);
  expect(view.sftp.pushed.map((p) => [p.server, p.remotePath])).toEqual([['bank', '/in/pay.xml']]);
});

it('answers empty lists when nothing is configured or fetched yet (no ledger file is created)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tya-exchange-view-'));
  dirs.push(dir);
  const bare = AgentConfigSchema.parse({ agent: { name: 'x', dataDir: 'data' }, cloud: { url: 'https://cloud.example', entity: 'store-1' }, sources: [] });
  expect(exchangeView({ config: bare, status: { sources: [] } as unknown as AgentStatus, dataDir: dir, fileInfo: () => undefined })).toEqual({ rabbitmq: [], sftp: { servers: [], fetched: [], pushed: [] } });
});
