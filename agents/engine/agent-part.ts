/**
 * The contract between the agent and its parts (write-back, sinks, SFTP exchange): what a part is
 * given and what it must answer. Apart from agent-parts.ts, which builds them, so a part depends on
 * this contract only and the agent's list of parts on the parts: no loop between them.
 */
import type { AgentConfig, SourceRecord } from '../api/index.ts';
import type { CloudClient } from '../delivery/cloud-client.ts';
import type { CommandResult } from '../delivery/index.ts';
import type { Outbox } from '../outbox/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { SecretStore } from '../vault/index.ts';

export interface AgentPartContext {
  /** The configuration in force (it changes when a new one is applied without a restart). */
  config(): AgentConfig;
  /** The agent's data folder: a part keeps its own files here. */
  dataDir: string;
  outbox: Outbox;
  secrets: SecretResolver;
  secretStore: SecretStore;
  logger: Logger;
  clock: Clock;
  /** The enrolled agent's signed cloud client, or null while not enrolled (or revoked). */
  client(): CloudClient | null;
  /** The agent's id once enrolled. */
  agentId(): string | null;
}

export interface AgentPart {
  readonly name: string;
  /** Answers a cloud command this part owns (`writeback-available`, `push-file`…); undefined: not mine. */
  command?(name: string, args: Readonly<Record<string, unknown>>): Promise<CommandResult> | undefined;
  /**
   * True when a captured record is only the ERP's import of what this part wrote (write-back): it is
   * then not sent back to the cloud as a new change.
   */
  isEcho?(source: string, stream: string, record: SourceRecord): boolean;
  /** A new configuration was applied without a restart. */
  configChanged?(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds a part from the config, or returns null when the config does not ask for it. */
export type AgentPartFactory = (ctx: AgentPartContext) => Promise<AgentPart | null>;
