import type { Agent as HttpAgent } from 'node:http';
import type { AgentConfig, CloudCommand } from '../api/index.ts';
import type { Clock } from '../pipeline/clock.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { Outbox } from '../outbox/index.ts';
import type { SecretStore } from '../vault/index.ts';
import type { Logger } from '../telemetry/logger.ts';
import { enrolledCloudClient } from '../delivery/enrolled-client.ts';
import {
  type CloudClient,
  CloudSignatureVerifier,
  CommandExecutor,
  CommandLedger,
  CommandTunnel,
  Deliverer,
  HeartbeatLoop,
  type TunnelState,
  readEnrollment,
  type CommandResult,
  type DelivererEvent,
  type HeartbeatSummary,
  describeSkewCompensated,
} from '../delivery/index.ts';
import type { HeartbeatLoopOptions } from '../delivery/heartbeat.ts';
import type { CloudTransport } from '../delivery/transport/cloud-transport.ts';
import { TRANSPORT_ERROR_CODES } from '../delivery/transport/transport-error.ts';
import { AGENT_VERSION } from './version.ts';

/** A clock this far off the cloud's (the signature window) raises an alert; one within a minute clears it. */
const CLOCK_SKEW_ALERT_MS = 300_000;
const CLOCK_SKEW_CLEAR_MS = 60_000;

/** Everything that talks to the cloud, built together from the enrollment and the config. */
export interface CloudLink {
  /** The way to the cloud (TLS, proxy); `transport.agentFor(url)` gives the WebSocket tunnel the same way. */
  transport: CloudTransport;
  client: CloudClient;
  deliverer: Deliverer;
  heartbeat: HeartbeatLoop;
  /** The WebSocket command channel; null when `cloud.tunnel` is false. */
  tunnel: CommandTunnel | null;
}

export interface CloudLinkOptions {
  config: AgentConfig;
  outbox: Outbox;
  secrets: SecretStore;
  clock: Clock;
  logger: Logger;
  onEvent: (event: DelivererEvent) => void;
  buildSummary: () => HeartbeatSummary;
  onCommand: (command: CloudCommand) => Promise<CommandResult>;
  /** After each heartbeat, whether the cloud answered (status's last contact). */
  onBeat?: HeartbeatLoopOptions['onBeat'];
  /** Whenever the command channel changes (tunnel open, lost, refused): for status. */
  onChannel?: (state: TunnelState) => void;
  /** The HTTP(S) agent the tunnel connects through (proxies, CAs, client certificates); none by default. */
  tunnelAgent?: HttpAgent;
}

/**
 * Builds and starts delivery and the heartbeat for an enrolled agent. Not enrolled: raises the
 * alert that says how to enroll and returns null (capture still runs; changes wait in the queue).
 */
export function openCloudLink(options: CloudLinkOptions): CloudLink | null {
  const { config, outbox, clock, logger } = options;
  const enrollment = readEnrollment(outbox);
  if (enrollment === null) {
    outbox.raiseAlert({
      code: 'not_enrolled',
      severity: 'warning',
      message:
        'This agent is not enrolled yet, so nothing is sent. Run "tya-agent enroll --url <cloud> --key -" and paste the key from the portal (or use the dashboard); changes are kept in the queue until then.',
    });
    return null;
  }
  outbox.clearAlert('not_enrolled');
  if (new URL(enrollment.cloudUrl).origin !== new URL(config.cloud.url).origin) {
    outbox.raiseAlert({
      code: 'cloud_url_mismatch',
      severity: 'warning',
      message: `This agent was enrolled with ${enrollment.cloudUrl} but the config names ${config.cloud.url}; it keeps sending to ${enrollment.cloudUrl}. Re-enroll to move it.`,
    });
  } else outbox.clearAlert('cloud_url_mismatch');

  const { client, transport } = enrolledCloudClient({
    enrollment,
    cloud: config.cloud,
    secrets: options.secrets,
    clock,
    agentVersion: AGENT_VERSION,
    missingSecret: (ref) =>
      new AgentError('credentials_missing', `The cloud credentials are not in the keychain (${ref}).`, {
        hint: 'Enroll the agent again with "tya-agent enroll".',
      }),
    listeners: {
      onSeqFloors: (floors) => outbox.raiseSeqFloors(floors),
    onClockSkew: (skewMs) => {
      // Past the signature window is worth a person's attention even though delivery goes on.
      if (Math.abs(skewMs) >= CLOCK_SKEW_ALERT_MS) {
        outbox.raiseAlert({ code: 'clock_skew', severity: 'warning', message: describeSkewCompensated(skewMs) });
      } else if (Math.abs(skewMs) < CLOCK_SKEW_CLEAR_MS) outbox.clearAlert('clock_skew');
    },
    onDeprecation: (notice) =>
      outbox.raiseAlert({
        code: 'cloud_deprecation',
        severity: 'warning',
        message: `The cloud announced that this agent version is deprecated${notice.sunset ? ` and will stop being accepted on ${notice.sunset}` : ''}. Plan an update.`,
      }),
    },
  });
  const deliverer = new Deliverer({
    outbox,
    client,
    agentId: enrollment.agentId,
    entity: config.cloud.entity,
    routing: outbox.entities,
    limits: {
      batchMaxRecords: config.cloud.batchMaxRecords,
      batchMaxBytes: config.cloud.batchMaxBytes,
      batchMaxAgeMs: config.cloud.batchMaxAgeMs,
    },
    retry: { baseMs: config.cloud.retryBaseMs, maxMs: config.cloud.retryMaxMs },
    clock,
    random: Math.random,
    logger: logger.child({ component: 'delivery' }),
    onEvent: options.onEvent,
  });
  // One executor for both channels: the same signature check and the same at-most-once ledger.
  const verifier = verifierFor(enrollment.cloudKey, outbox, logger);
  const executor = new CommandExecutor({
    ledger: new CommandLedger(outbox),
    verifier,
    onCommand: options.onCommand,
    alerts: outbox,
    logger: logger.child({ component: 'delivery.commands' }),
  });
  const heartbeat = new HeartbeatLoop({
    client,
    intervalSecs: config.cloud.heartbeatIntervalSecs,
    clock,
    outbox,
    logger: logger.child({ component: 'heartbeat' }),
    buildSummary: options.buildSummary,
    onCommand: options.onCommand,
    verifier,
    executor,
    ...(options.onBeat === undefined ? {} : { onBeat: options.onBeat }),
  });
  let channel: TunnelState['channel'] = 'heartbeat';
  const tunnel = config.cloud.tunnel
    ? new CommandTunnel({
        baseUrl: enrollment.cloudUrl,
        agentId: enrollment.agentId,
        agentVersion: AGENT_VERSION,
        tokens: { fetchToken: () => client.fetchToken(), invalidateToken: (token) => client.invalidateToken(token) },
        execute: (command) => executor.execute(command, 'websocket'),
        buildStatus: options.buildSummary,
        onUndeliveredAck: (ack) => heartbeat.queueAck(ack),
        onState: (state) => {
          const lost = state.channel === 'heartbeat' && channel === 'websocket';
          channel = state.channel;
          options.onChannel?.(state);
          // Commands the lost tunnel did not finish come with the heartbeat: ask now, not in 30 s.
          if (lost) heartbeat.trigger();
        },
        clock,
        logger,
        // The same way to the cloud as every other request: proxy, CA, pins and client certificate.
        agent: options.tunnelAgent ?? transport.agentFor(enrollment.cloudUrl),
      })
    : null;
  // Held back by a TLS or proxy refusal: with these (possibly fixed) settings, try at once, not in 5 minutes.
  outbox.makeDueAgain(TRANSPORT_ERROR_CODES);
  deliverer.start();
  heartbeat.start();
  tunnel?.start();
  return { transport, client, deliverer, heartbeat, tunnel };
}

export async function closeCloudLink(link: CloudLink | null): Promise<void> {
  if (link === null) return;
  await link.tunnel?.stop();
  await link.heartbeat.stop();
  await link.deliverer.stop();
  await link.client.close();
  await link.transport.close();
}

function verifierFor(cloudKey: string | undefined, outbox: Outbox, logger: Logger): CloudSignatureVerifier | undefined {
  if (cloudKey === undefined) {
    outbox.raiseAlert({
      code: 'cloud_key_missing',
      severity: 'warning',
      message:
        "This agent was enrolled before the cloud signed its commands, so it refuses every command from the cloud. Enroll it again to receive the cloud's key; the queue is kept.",
    });
    return undefined;
  }
  try {
    const verifier = new CloudSignatureVerifier(cloudKey);
    outbox.clearAlert('cloud_key_missing');
    return verifier;
  } catch (error) {
    logger.error(
      { err: error },
      'The cloud key stored at enrollment is unusable; commands from the cloud are refused.',
    );
    return undefined;
  }
}

/**
 * Before the first change is numbered in a new data folder, after a restore or a re-enrollment, the
 * cloud's floor is taken (it comes with every token), so the clock starts above what the cloud holds.
 * Best effort within `timeoutMs`: offline, capture goes on and a `stale` answer renumbers later.
 */
export async function takeSeqFloor(link: CloudLink | null, timeoutMs: number, logger: Logger): Promise<boolean> {
  if (link === null) return false;
  try {
    await Promise.race([
      link.client.fetchToken(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in time')), timeoutMs).unref()),
    ]);
    return true;
  } catch (error) {
    logger.info(
      { stage: 'seq-floor' },
      `Could not take the cloud's seq floor before capture (${(error as Error).message}); numbering from this clock, the cloud's answers correct it.`,
    );
    return false;
  }
}
