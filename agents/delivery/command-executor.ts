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

  constructor(options: CommandExecutorOptions) {
    this.#o = options;
  }

  /**
   * Runs a command unless its id already ran (on either channel) or it does not carry the cloud's
   * signature. Returns undefined when it already ran.
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
      this.#o.logger.debug(
        { commandId: command.id, channel },
        `Command ${command.name} (${command.id}) already ran; skipped.`,
      );
      return undefined;
    }
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
