import type { AgentStatus } from '../api/index.ts';
import { systemClock, isoNow, type Clock } from '../pipeline/clock.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { Outbox } from '../outbox/index.ts';
import { VaultSecretResolver, type SecretStore } from '../vault/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import { hostname } from 'node:os';
import { enrollAgent, readEnrollment, restoreEnrollment } from '../delivery/index.ts';
import { closeCloudLink, openCloudLink, takeSeqFloor, type CloudLink } from './cloud-link.ts';
import { heartbeatSummary, runCloudCommand, type CommandTarget } from './cloud-commands.ts';
import { startAgentControl, type RunningControl } from './agent-control.ts';
import { createSource, loadSourceKinds } from '../sources/index.ts';
import type { LoadedConfig } from './load-config.ts';
import { CaptureLoop } from './capture-loop.ts';
import { ARRIVAL_CHECK_MS, ArrivalWatch } from '../scheduler/arrival-watch.ts';
import { ReadSchedule } from '../scheduler/read-schedule.ts';
import { agentExports, type AgentExports } from './exports/agent-exports.ts';
import { reachedCloud, signalBackpressure, trackDeliveryEvent, wipeRevokedCredentials } from './delivery-signals.ts';
import { uploadSupportBundle } from './support/upload-support-bundle.ts';
import { BackpressureGate } from './backpressure-gate.ts';
import { PausedSources } from './paused-sources.ts';
import { StatusTracker } from './status-tracker.ts';
import { CredentialRotator } from './credential-rotation.ts';
import type { DataDirLayout } from './data-dir.ts';
import { openAgentFiles } from './agent-files.ts';
import { EntityMoves } from './entity-moves.ts';
import type { DataDirLock } from './data-dir-lock.ts';
import { drainAgent, type DrainOptions, type DrainResult } from './drain.ts';
import { checkAuditChain } from './audit-startup.ts';
import { AGENT_VERSION } from './version.ts';
import { IDLE_UNATTENDED, startUnattended } from './unattended.ts';
import { AgentParts } from './agent-parts.ts';
import { AgentPipeline } from './stream-pipeline/agent-pipeline.ts';
import { quarantineSpikeAlert } from './stream-pipeline/spike-alert.ts';

export interface AgentOptions {
  loaded: LoadedConfig;
  clock?: Clock;
  logger?: Logger;
  /** Defaults to the OS keychain, namespaced per installation. */
  secretStore?: SecretStore;
  /** Serve the local control API (off for one-shot CLI runs). */
  controlServer?: boolean;
  /**
   * Take the data folder's lock for this command (`run`, `sync`…) before anything is opened, so a
   * second agent on the same folder is refused (data-dir-lock.ts). start() always locks (default
   * `run`); open() locks only when asked.
   */
  lockAs?: string;
  /** `tya-agent doctor`'s report for support bundles (the CLI can run it; the engine cannot). */
  doctorReport?: () => Promise<string>;
}

/**
 * The composition root: builds the outbox, sources, delivery, heartbeat and control API from the
 * config, and starts and stops them through one code path. Everything the agent does at run time
 * hangs off one Agent instance.
 */
/** How long start() waits for the cloud's seq floor before capture begins anyway. */
const SEQ_FLOOR_WAIT_MS = 3_000;
/** How often the credentials' age is compared with `cloud.rotateCredentialsEveryDays`. */
const ROTATION_CHECK_MS = 60 * 60 * 1000;

export class Agent {
  readonly layout: DataDirLayout;
  readonly outbox: Outbox;
  readonly logger: Logger;
  private readonly options: AgentOptions;
  private readonly clock: Clock;
  private readonly secrets: SecretStore;
  private readonly tracker: StatusTracker;
  private readonly loops = new Map<string, CaptureLoop>();
  private readonly gate: BackpressureGate;
  private cloud: CloudLink | null = null;
  private control: RunningControl | null = null;
  private unattended = IDLE_UNATTENDED;
  private startedAt: string | null = null;
  private running = false;
  /** The configuration in force: the file's at start, replaced by applyConfig without a restart. */
  private current: LoadedConfig;
  private readonly pausedSources: PausedSources;
  /** Expected arrivals ("a shift close by 02:00"): checked every half minute while running. */
  private readonly arrivals: ArrivalWatch;
  private arrivalTimer: NodeJS.Timeout | null = null;
  private rotationTimer: NodeJS.Timeout | null = null;
  /** Replaces the cloud credentials on command and when they are older than the schedule allows. */
  private readonly rotator: CredentialRotator;
  private applying: Promise<void> = Promise.resolve();
  private readonly exports: AgentExports;
  private readonly entityMoves: EntityMoves;
  /** Write-back, broker sinks, SFTP exchange… (agent-parts.ts): none until start(). */
  private parts: AgentParts;
  /** Mapping, validation, quarantine and replay of the configured streams (stream-pipeline/). */
  readonly pipeline: AgentPipeline;
  private lock: DataDirLock | null = null;

  private constructor(options: AgentOptions, outbox: Outbox, logger: Logger, secrets: SecretStore, layout: DataDirLayout) {
    this.options = options;
    this.current = options.loaded;
    this.clock = options.clock ?? systemClock;
    this.outbox = outbox;
    this.pausedSources = new PausedSources(() => this.outbox, () => this.clock.now());
    this.logger = logger;
    this.secrets = secrets;
    this.layout = layout;
    this.parts = AgentParts.none(logger);
    this.pipeline = new AgentPipeline({
      configFile: this.current.file, config: () => this.current.config, dataDir: layout.root, outbox, clock: this.clock, logger,
      client: () => this.cloud?.client ?? null, onReplayed: () => this.wakeDelivery(),
      onSpike: (source, stream, why) => (this.setPaused(source, true), outbox.raiseAlert(quarantineSpikeAlert(source, stream, why))),
      cloudReachable: () => this.tracker.isCloudReachable !== false, cloudOutages: () => this.tracker.cloudOutageCount,
    });
    this.tracker = new StatusTracker(this.clock, outbox);
    this.gate = new BackpressureGate(outbox, (full, error) => signalBackpressure(this.tracker, outbox, full, error));
    this.arrivals = new ArrivalWatch(outbox, outbox);
    this.rotator = new CredentialRotator({
      client: () => (this.cloud === null || this.cloud.deliverer.halted?.kind === 'revoked' ? null : this.cloud.client),
      secrets,
      state: outbox,
      alerts: outbox,
      now: () => this.clock.now(),
      everyDays: () => this.current.config.cloud.rotateCredentialsEveryDays,
      logger: logger.child({ component: 'credentials' }),
    });
    this.exports = agentExports({
      config: () => this.current.config,
      secrets: new VaultSecretResolver(secrets),
      dataDir: layout.root,
      outbox,
      logger,
      now: () => this.clock.now(),
      client: () => this.cloud?.client ?? null,
    });
    this.entityMoves = new EntityMoves({
      bindings: outbox.entities, audit: outbox.audit, logger,
      onWaiting: (name, message) => this.tracker.sourceFailed(name, { code: 'entity_move_waiting', message }),
      onAdmitted: (name) => {
        if (this.running && !this.loops.has(name)) this.startSource(name, new VaultSecretResolver(secrets));
      },
    });
  }

  /** Opens the data dir and outbox without starting anything (for enroll, dlq, one-shot sync). */
  static open(options: AgentOptions): Agent {
    const opened = openAgentFiles(options);
    const agent = new Agent(options, opened.outbox, opened.logger, opened.secrets, opened.layout);
    agent.lock = opened.lock;
    return agent;
  }

  static async start(options: AgentOptions): Promise<Agent> {
    const agent = Agent.open({ ...options, lockAs: options.lockAs ?? 'run' });
    try {
      await agent.start();
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  get secretStore(): SecretStore {
    return this.secrets;
  }

  /** The configuration in force (changes when the dashboard saves one). */
  get loaded(): LoadedConfig {
    return this.current;
  }

  get agentClock(): Clock {
    return this.clock;
  }

  async start(): Promise<void> {
    const { config } = this.options.loaded;
    this.running = true;
    this.startedAt = isoNow(this.clock);
    const restored = await restoreEnrollment(this.secrets, this.outbox);
    if (restored !== null) {
      this.logger.warn(
        { agentId: restored.agentId },
        'The enrollment was restored from the keychain into a new outbox.',
      );
    }
    this.startDelivery();
    this.parts = await AgentParts.start({
      config: () => this.current.config, dataDir: this.layout.root, outbox: this.outbox, secrets: new VaultSecretResolver(this.secrets),
      secretStore: this.secrets, logger: this.logger, clock: this.clock, client: () => this.cloud?.client ?? null,
      agentId: () => readEnrollment(this.outbox)?.agentId ?? null,
    });
    // A new data folder or a restored enrollment has no floor yet: take it before numbering changes.
    if (this.outbox.seqClockState().floor === 0) await takeSeqFloor(this.cloud, SEQ_FLOOR_WAIT_MS, this.logger);
    const resolver = new VaultSecretResolver(this.secrets);
    await Promise.all([this.pipeline.startRefreshing(), loadSourceKinds(config.sources)]);
    CaptureLoop.clearLeftoverAlerts(this.outbox, config.sources.map((s) => s.name));
    for (const sourceConfig of config.sources) this.startSource(sourceConfig.name, resolver);
    this.arrivals.check(this.clock.now());
    this.arrivalTimer = setInterval(() => this.arrivals.check(this.clock.now()), ARRIVAL_CHECK_MS);
    this.arrivalTimer.unref();
    void this.rotator.check();
    void checkAuditChain(this.outbox, this.logger, this.current.file);
    this.rotationTimer = setInterval(() => void this.rotator.check(), ROTATION_CHECK_MS);
    this.exports.schedule.start();
    this.rotationTimer.unref();
    this.unattended = await startUnattended({ config: () => this.current.config, status: () => this.status(), outbox: this.outbox, secrets: resolver, logger: this.logger, now: () => this.clock.now(), purgeKeys: (olderThanMs, limit) => this.outbox.purgeKeyMemory(olderThanMs, limit) });
    if (this.options.controlServer !== false) this.control = await startAgentControl(this);
    this.logger.info({ version: AGENT_VERSION, sources: config.sources.length }, 'The agent started.');
  }

  private startSource(name: string, resolver: VaultSecretResolver): void {
    const sourceConfig = this.current.config.sources.find((s) => s.name === name);
    if (!sourceConfig) throw new AgentError('unknown_source', `There is no source named "${name}" in the config.`);
    const logger = this.logger.child({ component: `source.${sourceConfig.type}`, source: name });
    let wakeLoop = (): void => undefined;
    const source = createSource(sourceConfig, {
      wake: () => wakeLoop(),
      checkpoints: this.outbox,
      alerts: this.outbox,
      files: this.outbox,
      notice: (message) => this.tracker.sourceNotice(name, message),
      count: (counter, by) => this.tracker.sourceCount(name, counter, by),
      secrets: resolver,
      logger,
      clock: this.clock,
    });
    this.tracker.registerSource(name, sourceConfig.type);
    if (!this.entityMoves.admit(name, sourceConfig.entity ?? this.current.config.cloud.entity)) return;
    const scheduleZone = sourceConfig.schedule?.timeZone ?? sourceConfig.timeZone;
    this.arrivals.setExpectations(name, sourceConfig.expect ?? [], scheduleZone, this.clock.now());
    const loop = new CaptureLoop({
      source,
      outbox: this.outbox,
      status: this.tracker,
      clock: this.clock,
      logger,
      intervalMs: sourceConfig.intervalSecs * 1000,
      timeZone: sourceConfig.timeZone,
      onCommitted: () => this.cloud?.deliverer.notify(),
      onArrival: (stream) => this.arrivals.arrived(name, stream, this.clock.now()),
      gate: this.gate,
      pipeline: this.pipeline.forSource(name),
      isEcho: (stream, record) => this.parts.isEcho(name, stream, record),
      ...(sourceConfig.schedule && {
        schedule: new ReadSchedule({ source: name, config: sourceConfig.schedule, defaultTimeZone: scheduleZone, state: this.outbox }),
      }),
    });
    wakeLoop = () => loop.wake();
    this.loops.set(name, loop);
    if (this.pausedSources.has(name)) loop.setPaused(true);
    loop.start();
  }

  /**
   * Applies a new configuration without a restart (issue 11): sources that were removed or changed
   * stop (what they queued is still sent), changed and new ones start; a changed cloud section
   * restarts delivery; the log level changes in place. Calls run one at a time.
   */
  applyConfig(next: LoadedConfig, options: { restartSources?: readonly string[] } = {}): Promise<void> {
    const run = this.applying.then(() => loadSourceKinds(next.config.sources)).then(() => this.applyConfigNow(next, new Set(options.restartSources ?? [])));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyConfigNow(next: LoadedConfig, restart: ReadonlySet<string>): Promise<void> {
    const before = this.current.config;
    this.current = next;
    const previous = new Map(before.sources.map((s) => [s.name, JSON.stringify(s)]));
    const wanted = new Map(next.config.sources.map((s) => [s.name, JSON.stringify(s)]));
    // A source waiting to move entity has no loop yet: drop its wait if it left the config.
    for (const name of previous.keys()) if (!wanted.has(name) && this.entityMoves.forget(name)) this.tracker.removeSource(name);
    for (const [name, loop] of [...this.loops]) {
      if (wanted.get(name) === previous.get(name) && !restart.has(name)) continue;
      await loop.stop(!wanted.has(name));
      this.loops.delete(name);
      if (!wanted.has(name)) {
        this.arrivals.setExpectations(name, [], 'UTC', this.clock.now());
        this.tracker.removeSource(name);
        this.pausedSources.set(name, false);
      }
    }
    const resolver = new VaultSecretResolver(this.secrets);
    for (const source of next.config.sources) if (!this.loops.has(source.name)) this.startSource(source.name, resolver);
    if (JSON.stringify(before.cloud) !== JSON.stringify(next.config.cloud)) await this.restartDelivery();
    if (before.logging.level !== next.config.logging.level) this.logger.level = next.config.logging.level;
    this.exports.schedule.refresh();
    await this.parts.configChanged();
    this.logger.info({ sources: next.config.sources.length }, 'Applied a new configuration without a restart.');
  }

  isPaused(name: string): boolean {
    return this.pausedSources.has(name);
  }

  /** Pauses or resumes reading a source (delivery of what it queued goes on). */
  setPaused(name: string, paused: boolean): void {
    const loop = this.loops.get(name);
    if (loop === undefined) throw new AgentError('unknown_source', `There is no source named "${name}".`);
    this.pausedSources.set(name, paused);
    loop.setPaused(paused);
  }

  /** Enrolls the running agent with a key from the portal and starts sending. */
  async enroll(request: { url: string; key: string }): Promise<void> {
    await enrollAgent({
      url: request.url,
      enrollmentKey: request.key,
      name: this.current.config.agent.name,
      hostname: hostname(),
      version: AGENT_VERSION,
      secrets: this.secrets,
      outbox: this.outbox,
      clock: this.clock,
      transport: this.current.config.cloud,
    });
    this.tracker.setRevoked(false);
    this.outbox.clearAlert('agent_revoked');
    await this.restartDelivery();
  }

  private async restartDelivery(): Promise<void> {
    await closeCloudLink(this.cloud);
    this.cloud = null;
    if (this.running) this.startDelivery();
  }

  private startDelivery(): void {
    this.cloud = openCloudLink({
      config: this.current.config,
      outbox: this.outbox,
      secrets: this.secrets,
      clock: this.clock,
      logger: this.logger,
      onEvent: (event) => { trackDeliveryEvent(this.tracker, event); this.unattended.noteDelivery(event); },
      buildSummary: () => heartbeatSummary(this.status(), AGENT_VERSION, this.clock.now(), this.outbox.audit.head()),
      onCommand: (command) => runCloudCommand(command, this.commandTarget()),
      onChannel: (state) => this.tracker.setCommandChannel(state),
      onBeat: (beat) => {
        if (beat.ok) this.tracker.cloudSucceeded();
        else this.tracker.cloudFailed(beat, reachedCloud(beat.code));
      },
    });
  }

  private commandTarget(): CommandTarget {
    return {
      hasSource: (name) => this.loops.has(name),
      syncNow: (source) => this.syncNow(source),
      setPaused: (source, paused) => {
        for (const name of this.loops.keys()) if (source === undefined || source === name) this.setPaused(name, paused);
      },
      resync: (source, stream) => this.resync(source, stream),
      collectDiagnostics: async () =>
        uploadSupportBundle(this.cloud?.client ?? null, this.current.config.cloud.entity, {
          layout: this.layout,
          configFile: this.current.file,
          config: this.current.config,
          status: this.status(),
          secrets: this.secrets,
          ...(this.options.doctorReport === undefined ? {} : { doctorReport: await this.options.doctorReport() }),
          now: new Date(this.clock.now()),
        }, this.logger),
      runExport: (name) => this.exports.runner.runAndUpload(name, 'command'),
      rotateCredentials: () => this.rotator.rotate('command'),
      partCommand: (name, args) => this.parts.command(name, args),
      audit: this.outbox.audit,
      revoke: async () => {
        await this.cloud?.deliverer.stop();
        await wipeRevokedCredentials(this.secrets, this.outbox, this.tracker);
      },
    };
  }

  status(): AgentStatus {
    const enrollment = readEnrollment(this.outbox);
    const halt = this.cloud?.deliverer.halted;
    const built = this.tracker.build({
      name: this.current.config.agent.name,
      version: AGENT_VERSION,
      startedAt: this.startedAt,
      running: this.running,
      enrollment: enrollment === null ? null : { agentId: enrollment.agentId, cloudUrl: enrollment.cloudUrl },
      stats: this.outbox.stats(),
      alerts: this.outbox.listAlerts(),
      halted: halt === undefined ? null : { kind: halt.kind, message: halt.error.message },
      deliveredByStream: this.outbox.deliveredByStream(),
    });
    return { ...built, credentials: this.rotator.status() };
  }

  /**
   * Whether this data folder is enrolled, restoring the enrollment from the keychain into a new
   * outbox first (as start() does). One-shot commands ask before they read anything.
   */
  async isEnrolled(): Promise<boolean> {
    await restoreEnrollment(this.secrets, this.outbox);
    return readEnrollment(this.outbox) !== null;
  }

  /** Forgets the checkpoint and re-reads; the cloud's version dedupe makes the re-read harmless. */
  async resync(sourceName: string, stream?: string): Promise<void> {
    const loop = this.loops.get(sourceName);
    await loop?.stop();
    this.loops.delete(sourceName);
    this.outbox.deleteCheckpoint(sourceName, stream);
    this.startSource(sourceName, new VaultSecretResolver(this.secrets));
  }

  syncNow(source?: string): Promise<void> {
    if (source !== undefined && !this.loops.has(source)) {
      return Promise.reject(new AgentError('unknown_source', `There is no source named "${source}".`));
    }
    for (const [name, loop] of this.loops) if (source === undefined || source === name) loop.syncNow();
    this.cloud?.deliverer.notify();
    return Promise.resolve();
  }

  /** One-shot `tya-agent sync`: see drain.ts. */
  drain(options: DrainOptions): Promise<DrainResult> {
    return drainAgent(this, this.clock, options);
  }

  /** Whether each source's loop has caught up since the last syncNow (for drain). */
  captureProgress(): Array<{ name: string; caughtUp: boolean }> {
    return [...this.loops].map(([name, loop]) => ({ name, caughtUp: loop.isCaughtUp }));
  }

  wakeDelivery(): void { this.cloud?.deliverer.notify(); }
  /** A cloud command a part owns, asked by the dashboard (a write-back decision: apply it now). */
  partCommand(name: string, args: Readonly<Record<string, unknown>>): ReturnType<AgentParts['command']> { return this.parts.command(name, args); }

  replayDeadLetters(ids: number[] | 'all'): number {
    const count = this.outbox.replayDeadLetters(ids);
    this.cloud?.deliverer.notify();
    return count;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.entityMoves.stopAll();
    await this.unattended.stop();
    if (this.arrivalTimer !== null) clearInterval(this.arrivalTimer);
    if (this.rotationTimer !== null) clearInterval(this.rotationTimer);
    await this.exports.schedule.stop();
    await this.control?.close();
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
    // After the loops: their last figures are what `status` shows while the agent is stopped.
    this.tracker.persistAll();
    await this.pipeline.close();
    await this.parts.stop();
    await closeCloudLink(this.cloud);
    await this.outbox.audit.settled();
    this.outbox.close();
    this.logger.info('The agent stopped.');
    this.logger.flush?.();
    this.releaseLock();
  }

  /** For open() without start(): lets this process's audit entries get their MAC (one left without reads as tampering), then closes. */
  async close(): Promise<void> {
    try {
      await this.outbox.audit.settled();
      await this.pipeline.close();
    } finally {
      this.outbox.close();
      this.releaseLock();
    }
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }
}
