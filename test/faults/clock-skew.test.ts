/**
 * Scenario 7: this machine's clock 10 minutes behind, then 10 minutes ahead of the cloud's
 * (the sandbox's clock offset), against the 5-minute signature window. A real agent process must
 * keep its queue, and say in `tya-agent status`, in plain words, that the clock is off and by about
 * how much; once the clocks agree again the queue drains and every row arrives exactly once.
 *
 * @guarantee 1 a machine clock 10 minutes off: reported in status in words, queue kept, every row delivered once after
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type AgentProcess } from '../helpers/agent-process.ts';
import { startAgentWorld, type AgentWorld } from './kit/agent-world.ts';
import { assertExactlyOnce, printReport } from './kit/exactly-once.ts';

const TEN_MINUTES = 10 * 60_000;

let world: AgentWorld;
let agent: AgentProcess;

beforeAll(async () => {
  world = await startAgentWorld({
    label: 'clock-skew',
    seed: 7,
    viaProxy: false,
    cloud: { retryBaseMs: 200, retryMaxMs: 1000 },
  });
  await world.enroll();
}, 60_000);

afterAll(async () => {
  await agent?.kill('SIGTERM');
  await world?.close();
});

async function skewReported(direction: RegExp): Promise<{ alert: string; statusText: string; detectedMs: number }> {
  const since = Date.now();
  await waitFor(
    'the clock skew alert',
    async () => (await world.status()).alerts.some((a) => a.code === 'clock_skew' && direction.test(a.message)),
    { timeoutMs: 45_000, intervalMs: 200, describe: async () => JSON.stringify((await world.status()).alerts) },
  );
  const detectedMs = Date.now() - since;
  const status = await world.status();
  const alert = status.alerts.find((a) => a.code === 'clock_skew')!;
  expect(alert.severity).toBe('warning');
  return { alert: alert.message, statusText: await world.statusText(), detectedMs };
}

describe('clock skew against the signature window', () => {
  // cloud-api.md § Signatures: a signature_expired answer is measured against the cloud's Date and
  // re-signed once; it never halts delivery. The skew is still an alert: times this computer records are off.
  it('reports a clock 10 minutes behind, delivers anyway (signed in the cloud\'s time), and clears once the clocks agree', async () => {
    await world.admin.setClockOffset(TEN_MINUTES);
    agent = world.start();
    const behind = await skewReported(/behind/);
    expect(behind.alert).toMatch(/This computer's clock is about 10 minutes behind the cloud's clock/);
    expect(behind.alert).toMatch(/automatic time/);
    expect(behind.statusText).toContain("This computer's clock is about 10 minutes behind the cloud's clock");
    await world.waitDelivered(agent);
    expect((await world.admin.counts()).recordsAccepted).toBeGreaterThan(0);

    await world.admin.setClockOffset(0);
    world.pos.addReceipts(2);
    await world.waitDelivered(agent);
    await waitFor(
      'the alert to clear',
      async () => !(await world.status()).alerts.some((a) => a.code === 'clock_skew'),
    );
    const report = await world.reconcile('clock-skew:behind');
    printReport(report, { reported: behind.alert.split(',')[0], detectedWithinMs: behind.detectedMs });
    assertExactlyOnce(report);
  });

  it('reports a clock 10 minutes ahead while new changes keep arriving, and clears once the clocks agree', async () => {
    await world.admin.setClockOffset(-TEN_MINUTES);
    world.pos.addReceipts(6);
    const ahead = await skewReported(/ahead of/);
    expect(ahead.alert).toMatch(/This computer's clock is about 10 minutes ahead of the cloud's clock/);
    expect(ahead.statusText).toContain('10 minutes ahead of');
    await world.waitDelivered(agent);

    await world.admin.setClockOffset(0);
    world.pos.addReceipts(2);
    await world.waitDelivered(agent);
    await waitFor('the alert to clear', async () => !(await world.status()).alerts.some((a) => a.code === 'clock_skew'));
    const report = await world.reconcile('clock-skew:ahead');
    printReport(report, { reported: ahead.alert.split(',')[0], detectedWithinMs: ahead.detectedMs });
    assertExactlyOnce(report);
  });
});
