/**
 * What an agent opens before anything runs: its data folder (and that folder's lock, when a command
 * asks for it), its log, its outbox and its keychain. Agent.open builds the agent on top of these.
 */
import { rmSync } from 'node:fs';
import { systemClock, type Clock } from '../pipeline/clock.ts';
import { Outbox } from '../outbox/index.ts';
import type { SecretStore } from '../vault/index.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import type { AgentConfig } from '../api/index.ts';
import { dataDirLayout, ensureDataDir, type DataDirLayout } from './data-dir.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { installationSecretStore } from './installation-secret-store.ts';
import { logOpenFindings } from './open-findings.ts';
import { superviseOutboxCheck } from './outbox-check-log.ts';

export interface AgentFiles {
  layout: DataDirLayout;
  lock: DataDirLock | null;
  logger: Logger;
  outbox: Outbox;
  secrets: SecretStore;
}

/** What opening them needs of the config: a command that must work with the rest of it broken passes only these. */
export type AgentFilesConfig = Pick<AgentConfig, 'agent' | 'logging' | 'outbox' | 'vault'>;

export function openAgentFiles(options: { loaded: { config: AgentFilesConfig; dataDir: string }; clock?: Clock; logger?: Logger; secretStore?: SecretStore; lockAs?: string }): AgentFiles {
  const { config, dataDir } = options.loaded;
  const layout = dataDirLayout(dataDir);
  const exposed = ensureDataDir(layout);
  // Before the outbox: a second agent must leave the first one's files alone.
  const lock = options.lockAs === undefined ? null : DataDirLock.acquire(layout.root, options.lockAs);
  let outbox: Outbox;
  let logger: Logger;
  try {
    // We hold the folder: a control.json left by a killed agent is stale, and clients must not find it.
    if (lock !== null) rmSync(layout.controlFile, { force: true });
    logger =
      options.logger ??
      createLogger({ level: config.logging.level, destination: layout.logFile, base: { agent: config.agent.name }, rotation: config.logging });
    outbox = Outbox.open({
      path: layout.outbox,
      maxBytes: config.outbox.maxBytes,
      synchronous: config.outbox.synchronous,
      clock: options.clock ?? systemClock,
      startCheck: 'by-last-stop',
    });
  } catch (error) {
    lock?.release();
    throw error;
  }
  logOpenFindings(logger, layout.root, exposed, outbox);
  void superviseOutboxCheck(outbox, logger);
  const secrets = options.secretStore ?? installationSecretStore(config, layout.root);
  outbox.audit.attachKeychain(secrets);
  return { layout, lock, logger, outbox, secrets };
}

/** Closes what openAgentFiles opened, once the audit log's pending entries have their MACs. */
export async function closeAgentFiles(files: AgentFiles): Promise<void> {
  try {
    await files.outbox.audit.settled();
  } finally {
    files.outbox.close();
    files.lock?.release();
  }
}
