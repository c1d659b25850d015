/**
 * The dashboard's Exchange view: RabbitMQ queues (from the config and each source's status figures)
 * and SFTP transfers (the SFTP part's ledger, sftp-exchange.sqlite, read beside the running part).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, AgentStatus, ExchangeView, SftpFetchState } from '../../api/index.ts';
import { SftpLedger, type FetchedFile } from '../../exchange/sftp/sftp-ledger.ts';

const LEDGER_FILE = 'sftp-exchange.sqlite';

export interface ExchangeViewDeps {
  config: AgentConfig;
  status: AgentStatus;
  dataDir: string;
  /** The outbox's knowledge of a file by content: imported (uploaded) or not yet. */
  fileInfo(sha256: string): { importedAt: string | null } | undefined;
}

export function exchangeView(deps: ExchangeViewDeps, limit = 200): ExchangeView {
  const rabbitmq = deps.config.sources.flatMap((source) => {
    if (source.type !== 'rabbitmq') return [];
    const status = deps.status.sources.find((s) => s.name === source.name);
    return [{
      source: source.name,
      queue: source.queue,
      stream: source.stream,
      state: status?.state ?? 'stopped',
      consumed: status?.recordsCaptured ?? 0,
      redeliveriesDropped: status?.counters?.redeliveriesDropped ?? 0,
      poisoned: status?.counters?.poisoned ?? 0,
      deadLetterExchange: source.deadLetterExchange ?? null,
      lastSuccessAt: status?.lastSuccessAt ?? null,
      lastError: status?.lastError ?? null,
    }];
  });
  const servers = (deps.config.exchange?.sftp ?? []).map((s) => ({
    name: s.name,
    host: s.host,
    port: s.port,
    pull: s.pull === undefined ? null : { remoteDir: s.pull.remoteDir, intervalSecs: s.pull.intervalSecs, afterImport: s.pull.afterImport },
    push: s.push === undefined ? null : { remoteDir: s.push.remoteDir },
  }));
  const file = join(deps.dataDir, LEDGER_FILE);
  if (!existsSync(file)) return { rabbitmq, sftp: { servers, fetched: [], pushed: [] } };
  const ledger = new SftpLedger(deps.dataDir);
  try {
    const fetched = ledger.fetched().reverse().slice(0, limit).map((f) => ({
      server: f.server,
      remotePath: f.remotePath,
      size: f.size,
      sha256: f.sha256,
      fetchedAt: f.fetchedAt,
      state: fetchState(f, (sha) => deps.fileInfo(sha)),
      movedTo: f.afterImport?.startsWith('moved:') === true ? f.afterImport.slice('moved:'.length) : null,
    }));
    const pushed = ledger.allPushed().reverse().slice(0, limit).map((p) => ({ server: p.target, name: p.name, remotePath: p.remotePath, sha256: p.sha256, pushedAt: p.pushedAt }));
    return { rabbitmq, sftp: { servers, fetched, pushed } };
  } finally {
    ledger.close();
  }
}

function fetchState(file: FetchedFile, fileInfo: ExchangeViewDeps['fileInfo']): SftpFetchState {
  // The puller records a same-content file with no local name: it was not put in the folder again.
  if (file.localName === '') return 'duplicate';
  if (file.afterImport === 'deleted') return 'deleted';
  if (file.afterImport?.startsWith('moved:') === true) return 'moved';
  return fileInfo(file.sha256)?.importedAt == null ? 'waiting' : 'imported';
}
