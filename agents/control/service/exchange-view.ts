/**
 * The dashboard's Exchange view: RabbitMQ queues (from the config and each source's status figures)
 * and SFTP transfers (the SFTP part's ledger, sftp-exchange.sqlite, read beside the running part).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, AgentStatus, ExchangeView } from '../../api/index.ts';
import { SftpLedger } from '../../exchange/sftp/sftp-ledger.ts';
import { fetchedFileState, type FileImportInfo } from '../../exchange/sftp/after-import-readiness.ts';

const LEDGER_FILE = 'sftp-exchange.sqlite';

export interface ExchangeViewDeps {
  config: AgentConfig;
  status: AgentStatus;
  dataDir: string;
  /** The outbox's knowledge of a file by content: imported, uploaded, and where its records stand. */
  fileInfo(sha256: string): FileImportInfo | undefined;
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
      ...fetchedFileState(f, () => deps.fileInfo(f.sha256)),
      movedTo: f.afterImport?.startsWith('moved:') === true ? f.afterImport.slice('moved:'.length) : null,
    }));
    const pushed = ledger.allPushed().reverse().slice(0, limit).map((p) => ({ server: p.target, name: p.name, remotePath: p.remotePath, sha256: p.sha256, pushedAt: p.pushedAt }));
    return { rabbitmq, sftp: { servers, fetched, pushed } };
  } finally {
    ledger.close();
  }
}
