/**
 * The heartbeat (cloud-api.md § Heartbeat and commands): every interval a status summary goes up
 * and the commands the cloud queued come back. It is also the command channel of last resort when
 * a proxy kills the WebSocket, so each command id runs at most once across both channels.
 */
import type { CloudCommand, HeartbeatRequest } from '../api/cloud.ts';
import type { Clock } from '../pipeline/clock.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { RequestOptions } from './cloud-client.ts';
import { CommandLedger } from './command-ledger.ts';
import type { EnrollmentStateStore } from './enrollment.ts';

export type CommandResult =
  { ok: true; result?: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

export interface HeartbeatClient {
  heartbeat(body: HeartbeatRequest, options?: RequestOptions): Promise<CloudCommand[]>;
}

export interface HeartbeatLoopOptions {
  client: HeartbeatClient;
  intervalSecs: number;
  clock: Clock;
  buildSummary: () => HeartbeatRequest;
  onCommand: (command: CloudCommand) => Promise<CommandResult>;
  outbox: EnrollmentStateStore;
  logger: Logger;
  /** Shared with the WebSocket tunnel; one is made from `outbox` when absent. */
  ledger?: CommandLedger;
  /** After each heartbeat: whether the cloud answered, for status. */
  onBeat?: (beat: { ok: true; commands: number } | { ok: false; code: string; message: string }) => void;
}

export class HeartbeatLoop {
  readonly #o: HeartbeatLoopOptions;
  readonly #log: Logger;
  readonly #ledger: CommandLedger;
  #stop: AbortController | undefined;
  #wake: AbortController | undefined;
  #done: Promise<void> | undefined;
  #lastErrorCode: string | undefined;

  constructor(options: HeartbeatLoopOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'delivery.heartbeat' });
    this.#ledger = options.ledger ?? new CommandLedger(options.outbox);
  }

  start(): void {
    if (this.#done !== undefined) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#done = this.#run(stop.signal);
  }

  /** Send a heartbeat now (e.g. the status changed) instead of at the next interval. */
  trigger(): void {
    this.#wake?.abort();
  }

  async stop(): Promise<void> {
    this.#stop?.abort(new Error('heartbeat stopping'));
    await this.#done;
    this.#done = undefined;
  }

  /** One heartbeat and its commands; what the loop does each interval. */
  async beat(signal?: AbortSignal): Promise<void> {
    let commands: CloudCommand[];
    try {
      commands = await this.#o.client.heartbeat(this.#o.buildSummary(), signal === undefined ? {} : { signal });
    } catch (error) {
      const { code, message } = describeError(error);
      // Once per kind of failure: a cloud that is down for an hour should not write 120 lines.
      if (code !== this.#lastErrorCode)
        this.#log.warn({ errorType: code, stage: 'heartbeat' }, `The heartbeat did not reach the cloud: ${message}`);
      this.#lastErrorCode = code;
      this.#o.onBeat?.({ ok: false, code, message });
      return;
    }
    if (this.#lastErrorCode !== undefined) this.#log.info('The heartbeat reaches the cloud again.');
    this.#lastErrorCode = undefined;
    this.#o.onBeat?.({ ok: true, commands: commands.length });
    for (const command of commands) await this.execute(command);
  }

  /** Runs a command unless its id already ran (on this channel or the tunnel). */
  async execute(command: CloudCommand): Promise<CommandResult | undefined> {
    if (!this.#ledger.claim(command.id)) {
      this.#log.debug({ commandId: command.id }, `Command ${command.name} (${command.id}) already ran; skipped.`);
      return undefined;
    }
    let result: CommandResult;
    try {
      result = await this.#o.onCommand(command);
    } catch (error) {
      result = { ok: false, error: describeError(error) };
    }
    if (result.ok)
      this.#log.info({ commandId: command.id }, `Ran the cloud's command ${command.name} (${command.id}).`);
    else {
      this.#log.warn(
        { commandId: command.id, errorType: result.error.code, stage: 'command' },
        `The cloud's command ${command.name} (${command.id}) failed: ${result.error.message}`,
      );
    }
    return result;
  }

  async #run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      await this.beat(stop);
      const wake = new AbortController();
      this.#wake = wake;
      try {
        await this.#o.clock.sleep(this.#o.intervalSecs * 1000, AbortSignal.any([stop, wake.signal]));
      } catch {
        // trigger() or stop(): the loop condition decides.
      } finally {
        this.#wake = undefined;
      }
    }
  }
}
