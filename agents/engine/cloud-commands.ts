import type { AgentStatus, CloudCommand, ExportResult } from '../api/index.ts';
import type { CommandResult, HeartbeatSummary } from '../delivery/index.ts';
import { AgentError, describeError } from '../pipeline/errors.ts';
import { runAsActor } from '../outbox/audit-actor.ts';
import type { AuditRecorder } from '../outbox/audit-log.ts';

/** What the cloud's commands can ask of the engine. */
export interface CommandTarget {
  hasSource(name: string): boolean;
  syncNow(source?: string): Promise<void>;
  setPaused(source: string | undefined, paused: boolean): void;
  resync(source: string, stream?: string): Promise<void>;
  revoke(): Promise<void>;
  /** Builds and uploads the support bundle; returns what was uploaded (sha256, name, size). */
  collectDiagnostics(): Promise<Record<string, unknown>>;
  /** Replaces the client and signing secrets (credential-rotation.ts); returns when. */
  rotateCredentials(): Promise<{ rotatedAt: string }>;
  /** Runs a configured export and uploads it (exports/export-runner.ts). */
  runExport(name: string): Promise<ExportResult>;
  /** Commands owned by a part of the agent (agent-parts.ts); undefined when no part owns it. */
  partCommand?(name: string, args: CloudCommand['args']): Promise<CommandResult> | undefined;
  /** Where each executed command is recorded, with `cloud:<id>` as the actor of what it caused. */
  audit?: AuditRecorder;
}

/** Runs one command from the cloud (heartbeat or tunnel); the delivery layer guarantees at most once. */
export function runCloudCommand(command: CloudCommand, target: CommandTarget): Promise<CommandResult> {
  return runAsActor(`cloud:${command.id}`, async () => {
    let result: CommandResult;
    try {
      result = await dispatchCommand(command, target);
    } catch (error) {
      // As the heartbeat and tunnel would report it; caught here so the audit entry is written too.
      result = { ok: false, error: describeError(error) };
    }
    const details = { commandId: command.id, ok: result.ok, errorCode: result.ok ? null : result.error.code };
    target.audit?.record({ event: 'command-executed', subject: command.name, details });
    return result;
  });
}

async function dispatchCommand(command: CloudCommand, target: CommandTarget): Promise<CommandResult> {
  const source = typeof command.args.source === 'string' ? command.args.source : undefined;
  if (source !== undefined && !target.hasSource(source)) {
    return { ok: false, error: { code: 'unknown_source', message: `This agent has no source "${source}".` } };
  }
  switch (command.name) {
    case 'sync-now':
      await target.syncNow(source);
      return { ok: true };
    case 'pause':
    case 'resume':
      target.setPaused(source, command.name === 'pause');
      return { ok: true };
    case 'resync-stream': {
      if (source === undefined)
        return { ok: false, error: { code: 'source_required', message: 'resync-stream needs a source.' } };
      await target.resync(source, typeof command.args.stream === 'string' ? command.args.stream : undefined);
      return { ok: true };
    }
    case 'revoke':
      await target.revoke();
      return { ok: true };
    case 'collect-diagnostics':
      try {
        return { ok: true, result: await target.collectDiagnostics() };
      } catch (error) {
        const { code, message } = describeError(error);
        return { ok: false, error: { code, message: `The support bundle could not be uploaded: ${message}` } };
      }
    case 'rotate-credentials':
      try {
        return { ok: true, result: await target.rotateCredentials() };
      } catch (error) {
        const { code, message } = describeError(error);
        return { ok: false, error: { code, message: `The credentials were not rotated: ${message}` } };
      }
    case 'run-export': {
      const name = command.args.name;
      if (typeof name !== 'string' || name === '')
        return { ok: false, error: { code: 'export_name_required', message: 'run-export needs the name of a configured export ({"name": "…"}).' } };
      try {
        return { ok: true, result: await target.runExport(name) };
      } catch (error) {
        const { code, message } = describeError(error);
        // The hint (which exports exist, enroll first) is what the person in the portal acts on.
        const hint = error instanceof AgentError && error.hint !== undefined ? ` ${error.hint}` : '';
        return { ok: false, error: { code, message: `Export "${name}" did not run: ${message}${hint}` } };
      }
    }
    case 'writeback-available':
    case 'push-file':
      return (
        target.partCommand?.(command.name, command.args) ??
        Promise.resolve({
          ok: false,
          error: { code: 'not_configured', message: `This agent has nothing configured for "${command.name}".` },
        })
      );
    default:
      return {
        ok: false,
        error: { code: 'unknown_command', message: `This agent does not know the command "${command.name}".` },
      };
  }
}

/** The heartbeat body: a status summary, never secrets or record data. */
export function heartbeatSummary(status: AgentStatus, version: string, nowMs: number, auditHead: string | null = null): HeartbeatSummary {
  const startedMs = status.agent.startedAt === null ? nowMs : Date.parse(status.agent.startedAt);
  return {
    version,
    uptimeSecs: Math.max(0, (nowMs - startedMs) / 1000),
    sentAt: new Date(nowMs).toISOString(),
    queue: {
      depth: status.queue.depth,
      oldestAgeSecs: status.queue.oldestAgeSecs,
      deadLetters: status.queue.deadLetters,
    },
    sources: status.sources.map((s) => ({
      name: s.name,
      healthy: s.state === 'ok',
      lastSuccessAt: s.lastSuccessAt,
      lastErrorCode: s.lastError?.code ?? null,
    })),
    // The channel that carries commands now (the tunnel when it is held, else this heartbeat).
    channel: status.cloud.commandChannel ?? 'heartbeat',
    alerts: status.alerts.map((a) => ({ code: a.code, message: a.message, since: a.since })),
    auditHead,
  };
}
