/**
 * Parts of the running agent beyond capture and delivery (write-back, message-broker sinks, SFTP
 * exchange…): each is built from the config at start, may answer cloud commands, and is stopped with
 * the agent. One list of factories, so adding a part is one line here and none in agent.ts, which is
 * the composition root and already long.
 */
import type { SourceRecord } from '../api/index.ts';
import type { CommandResult } from '../delivery/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { AgentPart, AgentPartContext, AgentPartFactory } from './agent-part.ts';

export type { AgentPart, AgentPartContext, AgentPartFactory } from './agent-part.ts';

/** Every part the agent can run; each factory decides from the config whether its part runs. */
const PART_FACTORIES: readonly AgentPartFactory[] = [
  // Loaded only when configured: an agent without SFTP or write-back never loads ssh2 or their code.
  async (ctx) => ((ctx.config().exchange?.sftp.length ?? 0) > 0 ? (await import('../exchange/sftp/sftp-part.ts')).sftpExchangePart(ctx) : null),
  async (ctx) => (ctx.config().writeback === undefined ? null : (await import('../writeback/writeback-part.ts')).startWritebackPart(ctx)),
  async (ctx) => (ctx.config().sinks === undefined ? null : (await import('../sinks/sink-part.ts')).startSinksPart(ctx)),
];

export class AgentParts {
  readonly #parts: AgentPart[];
  readonly #logger: Logger;

  private constructor(parts: AgentPart[], logger: Logger) {
    this.#parts = parts;
    this.#logger = logger;
  }

  static async start(ctx: AgentPartContext, factories: readonly AgentPartFactory[] = PART_FACTORIES): Promise<AgentParts> {
    const parts: AgentPart[] = [];
    try {
      for (const factory of factories) {
        const part = await factory(ctx);
        if (part !== null) parts.push(part);
      }
    } catch (error) {
      await Promise.allSettled(parts.map((part) => part.stop()));
      throw error;
    }
    return new AgentParts(parts, ctx.logger);
  }

  static none(logger: Logger): AgentParts {
    return new AgentParts([], logger);
  }

  get names(): string[] {
    return this.#parts.map((part) => part.name);
  }

  /** The first part that owns the command answers it; undefined when none does. */
  command(name: string, args: Readonly<Record<string, unknown>>): Promise<CommandResult> | undefined {
    for (const part of this.#parts) {
      const answer = part.command?.(name, args);
      if (answer !== undefined) return answer;
    }
    return undefined;
  }

  isEcho(source: string, stream: string, record: SourceRecord): boolean {
    return this.#parts.some((part) => part.isEcho?.(source, stream, record) === true);
  }

  async configChanged(): Promise<void> {
    for (const part of this.#parts) await part.configChanged?.();
  }

  async stop(): Promise<void> {
    const results = await Promise.allSettled(this.#parts.map((part) => part.stop()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') {
        this.#logger.warn({ err: result.reason as unknown, part: this.#parts[i]?.name }, 'A part of the agent did not stop cleanly.');
      }
    });
  }
}
