/**
 * The real capture loop over a real ODBC source and an OutboxCloud's outbox, as the agent wires them
 * (agents/engine/agent.ts) but without the agent: for tests of what the loop does with a source's
 * reads, failures and alerts. Not started; the caller starts and stops it.
 */
import type { OdbcSourceConfig } from '../../../api/index.ts';
import { BackpressureGate } from '../../../engine/backpressure-gate.ts';
import { CaptureLoop, type CaptureLoopOptions } from '../../../engine/capture-loop.ts';
import { StatusTracker } from '../../../engine/status-tracker.ts';
import { systemClock } from '../../../pipeline/clock.ts';
import { createSilentLogger } from '../../../telemetry/logger.ts';
import { OdbcSource } from '../odbc-source.ts';
import type { OutboxCloud } from './outbox-cloud.ts';

/** `status`: a tracker the source is registered with already (several loops in turn); a new one otherwise. */
export function odbcCaptureLoop(
  cloud: OutboxCloud,
  config: OdbcSourceConfig,
  options: Partial<CaptureLoopOptions> & { status?: StatusTracker; alertsToOutbox?: boolean } = {},
): { loop: CaptureLoop; status: StatusTracker } {
  const { status = newStatus(config.name), alertsToOutbox = false, ...loopOptions } = options;
  const outbox = cloud.outbox;
  // The agent's sources raise their alerts into the outbox; the scenarios' context has no alert sink.
  const context = alertsToOutbox ? { ...cloud.context, alerts: outbox } : cloud.context;
  const loop = new CaptureLoop({
    source: new OdbcSource(config, context),
    outbox,
    status,
    clock: systemClock,
    logger: createSilentLogger(),
    intervalMs: 50,
    onCommitted: () => undefined,
    gate: new BackpressureGate(outbox, () => undefined),
    ...loopOptions,
  });
  return { loop, status };
}

function newStatus(source: string): StatusTracker {
  const status = new StatusTracker(systemClock);
  status.registerSource(source, 'odbc');
  return status;
}
