/**
 * The heartbeat (cloud-api.md § Heartbeat and commands): every interval a status summary goes up
 * and the commands the cloud queued come back. It is also the command channel of last resort when
 * a proxy kills the WebSocket, so each command id runs at most once across both channels.
 */
import type { CloudCommand, CommandAck, HeartbeatRequest } from '../api/cloud.ts';
import type { Clock } from '../pipeline/clock.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { HeartbeatAnswer, RequestOptions } from './cloud-client.ts';
import type { CloudSignatureVerifier } from './cloud-signature.ts';
import { CommandLedger } from './command-ledger.ts';
import type { EnrollmentStateStore } from './enrollment.ts';

export type CommandResult =
  { ok: true; result?: Record<string, unknown> } | { ok: false; error: { code: string; message: string } };

export interface HeartbeatClient {
  heartbeat(body: HeartbeatRequest, options?: RequestOptions): Promise<HeartbeatAnswer>;
}

/** The heartbeat body as the engine builds it; the loop adds the command acks. */
export type HeartbeatSummary = Omit<HeartbeatRequest, 'acks'>;

/** Where acks of heartbeat commands wait for the next heartbeat, so a restart does not lose them. */
const PENDING_ACKS_KEY = 'commands.pendingAcks';

export interface HeartbeatLoopOptions {
  client: HeartbeatClient;
  intervalSecs: number;
  clock: Clock;
  buildSummary: () => HeartbeatSummary;
  onCommand: (command: CloudCommand) => Promise<CommandResult>;
  outbox: EnrollmentStateStore & {
    raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
    /** Keeps the cloud's `auditHeadAck`, which `audit verify` compares the chain with. */
    readonly audit?: { acknowledge(head: string | null): void };
  };
  /**
   * Checks the cloud's signature on each command. Undefined only for an agent enrolled before the
   * cloud signed commands: then every command is refused, with an alert saying to enroll again.
   */
  verifier: CloudSignatureVerifier | undefined;
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
    const acks = this.#pendingAcks();
    try {
      const answer = await this.#o.client.heartbeat(
        { ...this.#o.buildSummary(), acks },
        signal === undefined ? {} : { signal },
      );
      commands = answer.commands;
      this.#o.outbox.audit?.acknowledge(answer.auditHeadAck);
      // The cloud has these acks now; ones added while the request was out stay for the next beat.
      this.#dropAcks(acks.map((a) => a.id));
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
    for (const command of commands) {
      const result = await this.execute(command);
      this.#queueAck(command.id, result ?? { ok: true, result: { alreadyExecuted: true } });
    }
  }

  /**
   * Runs a command unless its id already ran (on this channel or the tunnel) or it does not carry
   * the cloud's signature. Returns undefined when it already ran.
   */
  async execute(command: CloudCommand): Promise<CommandResult | undefined> {
    const check =
      this.#o.verifier?.check(command, `The cloud command ${command.name} (${command.id})`) ??
      ({ ok: false, code: 'bad_cloud_signature', message: `The cloud command ${command.name} (${command.id}) cannot be checked: this agent has no cloud key from enrollment; enroll it again.` } as const);
    if (!check.ok) {
      this.#o.outbox.raiseAlert({ code: 'command_signature_refused', severity: 'critical', message: check.message });
      this.#log.error({ commandId: command.id, errorType: check.code, stage: 'command' }, check.message);
      return { ok: false, error: { code: check.code, message: check.message } };
    }
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

  #pendingAcks(): CommandAck[] {
    const raw = this.#o.outbox.getState(PENDING_ACKS_KEY);
    if (raw === null || raw === undefined) return [];
    try {
      return JSON.parse(raw) as CommandAck[];
    } catch {
      return [];
    }
  }

  #queueAck(id: string, result: CommandResult): void {
    const ack: CommandAck = result.ok
      ? { type: 'ack', id, ok: true, ...(result.result === undefined ? {} : { result: result.result }) }
      : { type: 'ack', id, ok: false, error: result.error };
    const acks = this.#pendingAcks().filter((a) => a.id !== id);
    this.#o.outbox.setState(PENDING_ACKS_KEY, JSON.stringify([...acks, ack].slice(-200)));
  }

  #dropAcks(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const sent = new Set(ids);
    this.#o.outbox.setState(PENDING_ACKS_KEY, JSON.stringify(this.#pendingAcks().filter((a) => !sent.has(a.id))));
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
