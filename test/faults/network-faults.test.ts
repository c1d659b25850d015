/**
 * Scenario 2: every network fault of the proxy between a real agent process and the sandbox. For
 * each, new POS rows are captured while the fault strikes the next connections; the agent keeps
 * them queued, retries, and the reconciler must then find every row exactly once. Hangs and
 * blackholes are never closed by the proxy: only the agent's own `cloud.timeoutMs` ends them, which
 * the connection times prove. A reset in the response means the cloud committed while the agent
 * saw an error: the retransmission shows in the cloud's counts and applies nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../helpers/agent-process.ts';
import type { Fault } from '../helpers/fault-proxy.ts';
import { startAgentWorld, type AgentWorld } from './kit/agent-world.ts';
import { assertExactlyOnce, printReport } from './kit/exactly-once.ts';

const TIMEOUT_MS = 1_500;
const RETRY_MAX_MS = 800;

let world: AgentWorld;
let agent: AgentProcess;

beforeAll(async () => {
  world = await startAgentWorld({
    label: 'network-faults',
    seed: 2,
    // Without the WebSocket tunnel: its own connections through the fault proxy would blur when the
    // batch path opens its next connection (what these scenarios time). The tunnel's reconnects are
    // tested in test/integration/command-tunnel.test.ts.
    cloud: { timeoutMs: TIMEOUT_MS, retryBaseMs: 100, retryMaxMs: RETRY_MAX_MS, tunnel: false },
  });
  await world.enroll();
  agent = world.start();
  await world.waitDelivered(agent);
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await world?.close();
});

interface PhaseResult {
  /** Real time of each accepted connection and the fault it got. */
  connections: Array<{ at: number; fault: Fault['type'] }>;
  elapsedMs: number;
  retries: Array<{ errorType: string | undefined; message: string }>;
  retransmissions: number;
  duplicatesIgnored: number;
}

/**
 * Arms `fault` for the next `times` connections (or all, when undefined), adds POS activity, waits
 * until the cloud holds every row, reconciles, prints what was measured.
 */
async function phase(name: string, fault: Fault, times?: number): Promise<PhaseResult> {
  const before = await world.admin.counts();
  const logFrom = world.log().length;
  const connections: PhaseResult['connections'] = [];
  await world.restartProxy((i) => {
    const chosen: Fault = times === undefined || i < times ? fault : { type: 'none' };
    connections.push({ at: Date.now(), fault: chosen.type });
    return chosen;
  });
  const started = Date.now();
  world.pos.addReceipts(4);
  const register = world.pos.registerIds()[connections.length % 2]!;
  world.pos.closeShift(register);
  world.pos.openShift(register);
  await world.waitDelivered(agent);
  const elapsedMs = Date.now() - started;

  const report = await world.reconcile(`network:${name}`);
  const retries = world
    .log(logFrom)
    .filter((line) => line.msg.startsWith('Could not deliver'))
    .map((line) => ({ errorType: line.errorType, message: line.msg }));
  const result: PhaseResult = {
    connections,
    elapsedMs,
    retries,
    retransmissions: report.counts.retransmissions - before.retransmissions,
    duplicatesIgnored: report.counts.duplicates - before.duplicates,
  };
  printReport(report, {
    faultsApplied: world.proxy().stats().faultsApplied,
    connections: connections.length,
    agentRetries: retries.length,
    retryErrors: [...new Set(retries.map((r) => r.errorType))],
    phaseRetransmissions: result.retransmissions,
    phaseElapsedMs: elapsedMs,
    ...(times === undefined ? {} : { faultToNextConnectionMs: silenceAfterFault(result) }),
  });
  assertExactlyOnce(report);
  expect(world.proxy().stats().faultsApplied, 'the fault must really have struck').toBeGreaterThanOrEqual(1);
  return result;
}

/** Real time from the first faulted connection to the first connection after the faulted ones. */
function silenceAfterFault(result: PhaseResult): number {
  const first = result.connections.find((c) => c.fault !== 'none')!;
  const next = result.connections.find((c) => c.fault === 'none' && c.at >= first.at);
  return next === undefined ? Number.NaN : next.at - first.at;
}

describe('network faults between a real agent and the cloud', () => {
  it('latency with jitter: slower, nothing lost or doubled', async () => {
    const result = await phase('latency+jitter', { type: 'latency', ms: 120, jitterMs: 150 });
    expect(result.retries.filter((r) => r.errorType === 'timeout')).toEqual([]);
  });

  it('a hung connection is ended by the agent’s own timeout', async () => {
    const result = await phase('hang', { type: 'hang' }, 2);
    expect(result.retries.some((r) => r.errorType === 'timeout')).toBe(true);
    const silence = silenceAfterFault(result);
    expect(silence).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(silence).toBeLessThan(2 * TIMEOUT_MS + RETRY_MAX_MS + 2_000);
  });

  it('a blackhole (reads, never answers) is ended by the agent’s own timeout', async () => {
    const result = await phase('blackhole', { type: 'blackhole' }, 2);
    expect(result.retries.some((r) => r.errorType === 'timeout')).toBe(true);
    expect(silenceAfterFault(result)).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  });

  it('a reset in the middle of the request: the cloud never saw it, the agent resends', async () => {
    const result = await phase('reset-mid-request', { type: 'reset-request', afterBytes: 300 }, 2);
    expect(result.retries.some((r) => r.errorType === 'network_error')).toBe(true);
  });

  it('a reset in the middle of the response: the cloud committed, the resend applies nothing twice', async () => {
    const result = await phase('reset-mid-response', { type: 'reset-response', afterBytes: 40 }, 2);
    expect(result.retries.some((r) => r.errorType === 'network_error')).toBe(true);
    expect(result.retransmissions).toBeGreaterThanOrEqual(1);
  });

  it('a truncated response: the cloud committed, the resend applies nothing twice', async () => {
    const result = await phase('truncated-response', { type: 'truncate-response', afterBytes: 100 }, 2);
    expect(result.retries.length).toBeGreaterThanOrEqual(1);
    expect(result.retransmissions).toBeGreaterThanOrEqual(1);
  });

  it('throttled to 8 KB/s: slower, nothing lost or doubled', async () => {
    await phase('throttle', { type: 'throttle', bytesPerSec: 8 * 1024 });
  });

  it('connections refused while nothing listens: the queue is kept and drains when the cloud is back', async () => {
    const before = await world.admin.counts();
    const logFrom = world.log().length;
    await world.proxyDown();
    world.pos.addReceipts(5);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const down = await world.status();
    expect(down.queue.depth).toBeGreaterThan(0);
    expect(down.cloud.reachable).toBe(false);
    expect(down.cloud.lastError?.message).toMatch(/connection refused/);
    expect((await world.admin.counts()).recordsAccepted).toBe(before.recordsAccepted);

    await world.restartProxy();
    await world.waitDelivered(agent);
    const report = await world.reconcile('network:refused');
    const retries = world.log(logFrom).filter((line) => line.msg.startsWith('Could not deliver'));
    printReport(report, { queuedWhileDown: down.queue.depth, agentRetries: retries.length });
    assertExactlyOnce(report);
    expect(retries.length).toBeGreaterThanOrEqual(2);
  });
});
