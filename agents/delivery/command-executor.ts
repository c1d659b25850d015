/**
 * The one way a cloud command is run, whichever channel brought it (heartbeat or WebSocket tunnel):
 * its Ed25519 signature is checked against the cloud's key (an unsigned or forged one is refused with
 * an alert), its id is claimed in the shared ledger (so it runs at most once even when it arrives on
 * both channels), then it runs and its result is logged.
 */
import type { CloudCommand, CommandAck } from '../api/cloud.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { CloudSignatureVerifier } from './cloud-signature.ts';
import type { CommandLedger } from './command-ledger.ts';

export type CommandResult =
  { ok: true; result?: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

export type CommandChannel = 'websocket' | 'heartbeat';

export interface CommandExecutorOptions {
  ledger: CommandLedger;
  /**
   * Checks the cloud's signature on each command. Undefined only for an agent enrolled before the
   * cloud signed commands: then every command is refused, with an alert saying to enroll again.
   */
  verifier: CloudSignatureVerifier | undefined;
  onCommand: (command: CloudCommand) => Promise<CommandResult>;
  alerts: { raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void };
  logger: Logger;
}

export class CommandExecutor {
  readonly #o: CommandExecutorOptions;
  /**
   * Commands running now, by id. The same command arriving on the other channel meanwhile (a tunnel
   * that reconnected, the heartbeat after it) gets this run's result when it ends: acknowledging it at
   * once as "already executed" would tell the cloud a run-export was done before its file existed.
   */
  readonly #running = new Map<string, Promise<CommandResult>>();

  constructor(options: CommandExecutorOptions) {
    this.#o = options;
  }

  /**
   * Runs a command unless its id already ran (on either channel) or it does not carry the cloud's
   * signature. Returns undefined when it ran before; the result of the run in progress when it is
   * running now.
   */
  async execute(command: CloudCommand, channel: CommandChannel): Promise<CommandResult | undefined> {
    const what = `The cloud command ${command.name} (${command.id})`;
    const check =
      this.#o.verifier?.check(command, what) ??
      ({
        ok: false,
        code: 'bad_cloud_signature',
        message: `${what} cannot be checked: this agent has no cloud key from enrollment; enroll it again.`,
      } as const);
    if (!check.ok) {
      this.#o.alerts.raiseAlert({ code: 'command_signature_refused', severity: 'critical', message: check.message });
      this.#o.logger.error({ commandId: command.id, channel, errorType: check.code, stage: 'command' }, check.message);
      return { ok: false, error: { code: check.code, message: check.message } };
    }
    if (!this.#o.ledger.claim(command.id)) {
      const running = this.#running.get(command.id);
      this.#o.logger.debug(
        { commandId: command.id, channel },
        running === undefined
          ? `Command ${command.name} (${command.id}) already ran; skipped.`
          : `Command ${command.name} (${command.id}) is running (it came on the other channel too); its result is acknowledged here as well.`,
      );
      return running;
    }
    const run = this.#run(command, channel);
    this.#running.set(command.id, run);
    try {
      return await run;
    } finally {
      this.#running.delete(command.id);
    }
  }

  async #run(command: CloudCommand, channel: CommandChannel): Promise<CommandResult> {
    let result: CommandResult;
    try {
      result = await this.#o.onCommand(command);
    } catch (error) {
      result = { ok: false, error: describeError(error) };
    }
    if (result.ok) {
      this.#o.logger.info(
        { commandId: command.id, channel },
        `Ran the cloud's command ${command.name} (${command.id}) from the ${channel}.`,
      );
    } else {
      this.#o.logger.warn(
        { commandId: command.id, channel, errorType: result.error.code, stage: 'command' },
        `The cloud's command ${command.name} (${command.id}) failed: ${result.error.message}`,
      );
    }
    return result;
  }
}

/** The ack of a command in the contract's shape; a command that already ran is acknowledged as such. */
export function commandAck(id: string, result: CommandResult | undefined): CommandAck {
  const settled = result ?? { ok: true, result: { alreadyExecuted: true } };
  return settled.ok
    ? { type: 'ack', id, ok: true, ...(settled.result === undefined ? {} : { result: settled.result }) }
    : { type: 'ack', id, ok: false, error: settled.error };
}
