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
import { CommandExecutor, commandAck, type CommandResult } from './command-executor.ts';
import { CommandLedger } from './command-ledger.ts';
import type { EnrollmentStateStore } from './enrollment.ts';

export type { CommandResult } from './command-executor.ts';

export interface HeartbeatClient {
  heartbeat(body: HeartbeatRequest, options?: RequestOptions): Promise<HeartbeatAnswer>;
}

/** The heartbeat body as the engine builds it; the loop adds the command acks. */
export type HeartbeatSummary = Omit<HeartbeatRequest, 'acks'>;

/** Where acks of heartbeat commands wait for the next heartbeat, so a restart does not lose them. */
const PENDING_ACKS_KEY = 'commands.pendingAcks';
/** After a beat during which something asked for one; a floor, so triggers cannot make beats back to back. */
const TRIGGERED_BEAT_GAP_MS = 500;

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
  /** Shared with the WebSocket tunnel; one is made from the options above when absent. */
  executor?: CommandExecutor;
  /** After each heartbeat: whether the cloud answered, for status. */
  onBeat?: (beat: { ok: true; commands: number } | { ok: false; code: string; message: string }) => void;
}

export class HeartbeatLoop {
  readonly #o: HeartbeatLoopOptions;
  readonly #log: Logger;
  readonly #executor: CommandExecutor;
  #stop: AbortController | undefined;
  #wake: AbortController | undefined;
  #done: Promise<void> | undefined;
  #lastErrorCode: string | undefined;
  /**
   * The commands heartbeats brought, run one after another beside the loop (as the tunnel runs its
   * own): an export or a support bundle that takes minutes must not stop the heartbeat, or the cloud
   * alerts a person that the agent is down while it is working for it.
   */
  #commands: Promise<void> = Promise.resolve();
  /** A trigger() while a beat was out: the next beat follows soon instead of after the interval. */
  #triggered = false;

  constructor(options: HeartbeatLoopOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'delivery.heartbeat' });
    this.#executor =
      options.executor ??
      new CommandExecutor({
        ledger: options.ledger ?? new CommandLedger(options.outbox),
        verifier: options.verifier,
        onCommand: options.onCommand,
        alerts: options.outbox,
        logger: this.#log,
      });
  }

  start(): void {
    if (this.#done !== undefined) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#done = this.#run(stop.signal);
  }

  /** Send a heartbeat now (e.g. the status changed) instead of at the next interval. */
  trigger(): void {
    this.#triggered = true;
    this.#wake?.abort();
  }

  async stop(): Promise<void> {
    this.#stop?.abort(new Error('heartbeat stopping'));
    await this.#done;
    this.#done = undefined;
    await this.settled();
  }

  /** Resolves once every command the heartbeats brought so far has run and its ack is queued. */
  settled(): Promise<void> {
    return this.#commands;
  }

  /** One heartbeat; the commands it brings start running (settled() says when they are done). */
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
    for (const command of commands) this.#runInTurn(command);
  }

  #runInTurn(command: CloudCommand): void {
    this.#commands = this.#commands
      .then(async () => {
        const result = await this.execute(command);
        this.queueAck(commandAck(command.id, result));
        // The cloud hears the result now, not at the next interval (30 s by default).
        this.trigger();
      })
      .catch((error: unknown) => this.#log.error({ err: error }, `The cloud's command ${command.name} (${command.id}) failed unexpectedly.`));
  }

  /**
   * Runs a command unless its id already ran (on this channel or the tunnel) or it does not carry
   * the cloud's signature. Returns undefined when it already ran.
   */
  execute(command: CloudCommand): Promise<CommandResult | undefined> {
    return this.#executor.execute(command, 'heartbeat');
  }

  /**
   * Keeps an ack for the next heartbeat: those of heartbeat commands, and those of tunnel commands
   * whose socket died before the ack could go (the heartbeat carries acks when the tunnel cannot).
   */
  queueAck(ack: CommandAck): void {
    const acks = this.#pendingAcks().filter((a) => a.id !== ack.id);
    this.#o.outbox.setState(PENDING_ACKS_KEY, JSON.stringify([...acks, ack].slice(-200)));
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

  #dropAcks(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const sent = new Set(ids);
    this.#o.outbox.setState(PENDING_ACKS_KEY, JSON.stringify(this.#pendingAcks().filter((a) => !sent.has(a.id))));
  }

  async #run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      this.#triggered = false;
      await this.beat(stop);
      // A command that finished while this beat was out had its ack queued too late for it.
      const waitMs = Math.min(this.#triggered ? TRIGGERED_BEAT_GAP_MS : Infinity, this.#o.intervalSecs * 1000);
      const wake = new AbortController();
      this.#wake = wake;
      try {
        await this.#o.clock.sleep(waitMs, AbortSignal.any([stop, wake.signal]));
      } catch {
        // trigger() or stop(): the loop condition decides.
      } finally {
        this.#wake = undefined;
      }
    }
  }
}
