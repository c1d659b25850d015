/**
 * A wrong machine clock is reported in words with the measured skew, from the refusal itself: the
 * cloud's `details.serverTime` first, its `Date` header otherwise; the alert goes once the cloud
 * answers again.
 */
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../telemetry/logger.ts';
import { classifyBatchAnswer } from './classify.ts';
import type { DeliveryError, HttpAnswer } from './classify.ts';
import { describeClockSkew, measureClockSkewMs } from './clock-skew.ts';
import { CloudHealth, DeliveryAlerts } from './cloud-health.ts';
import type { DelivererEvent } from './deliverer-events.ts';

const NOW = Date.parse('2026-11-29T15:00:00.000Z');
const BATCH = { batchId: '01JF3Q8Z7V0K6W1M8N2P4R5S6T', records: 1 };

function refusal(details: Record<string, unknown> | undefined, headers: HttpAnswer['headers'] = {}): HttpAnswer {
  const error = { code: 'signature_expired', message: 'The signature timestamp is 600 s away.', requestId: 'req_1' };
  return { status: 401, headers, body: { error: details === undefined ? error : { ...error, details } } };
}

function skewOf(answer: HttpAnswer): DeliveryError {
  const outcome = classifyBatchAnswer(answer, BATCH, NOW);
  if (outcome.kind !== 'retry') throw new Error(`expected a retry, got ${outcome.kind}`);
  return outcome.error;
}

describe('signature_expired', () => {
  it('measures the skew from details.serverTime and says the clock is behind', () => {
    const error = skewOf(refusal({ serverTime: new Date(NOW + 600_000).toISOString(), windowSecs: 300 }));
    expect(error.code).toBe('signature_expired');
    expect(error.status).toBe(401);
    expect(error.clockSkewMs).toBe(600_000);
    expect(error.message).toMatch(/clock is about 10 minutes behind the cloud's clock/);
    expect(error.message).toMatch(/it allows 5 minutes/);
    expect(error.message).toMatch(/NTP/);
  });

  it('falls back to the Date header and says the clock is ahead', () => {
    const date = new Date(NOW - 12 * 60_000).toUTCString();
    const error = skewOf(refusal(undefined, { date }));
    expect(error.clockSkewMs).toBe(-720_000);
    expect(error.message).toMatch(/about 12 minutes ahead of the cloud's clock/);
  });

  it('prefers the cloud body over a Date header (a proxy may have written the header)', () => {
    const error = skewOf(
      refusal({ serverTime: new Date(NOW + 360_000).toISOString() }, { date: new Date(NOW).toUTCString() }),
    );
    expect(error.clockSkewMs).toBe(360_000);
  });

  it('still blames the clock in words when the answer carries no time at all', () => {
    const error = skewOf(refusal(undefined));
    expect(error).not.toHaveProperty('clockSkewMs');
    expect(error.message).toMatch(/this computer's clock is wrong/);
  });

  it('ignores unreadable times', () => {
    expect(measureClockSkewMs(refusal({ serverTime: 'soon' }, { date: 'yesterday' }), NOW)).toBeUndefined();
  });

  it('words small skews in seconds', () => {
    expect(describeClockSkew(-45_000)).toMatch(/about 45 seconds ahead of/);
  });

  it('leaves other 401s alone', () => {
    const outcome = classifyBatchAnswer(
      {
        status: 401,
        headers: { date: new Date(NOW + 600_000).toUTCString() },
        body: { error: { code: 'bad_signature', message: 'x' } },
      },
      BATCH,
      NOW,
    );
    // Not a clock problem: a wrong signature halts delivery (cloud-api.md § Batches), with no skew attached.
    expect(outcome).toEqual({
      kind: 'refused',
      scope: { type: 'agent' },
      error: { code: 'bad_signature', message: 'x', status: 401 },
    });
  });
});

describe('CloudHealth and a wrong clock', () => {
  it('raises a critical clock_skew alert at a refusal the client could not heal, and leaves clearing to the clock measurement', () => {
    const alerts = new Map<string, { severity: string; message: string }>();
    const events: DelivererEvent[] = [];
    const health = new CloudHealth({
      alerts: {
        raiseAlert: (a) => alerts.set(a.code, { severity: a.severity, message: a.message }),
        clearAlert: (code) => alerts.delete(code),
      },
      emit: (event) => events.push(event),
      logger: createSilentLogger(),
      alertAfterMs: 300_000,
    });
    health.failed(skewOf(refusal({ serverTime: new Date(NOW + 600_000).toISOString() })), NOW);
    expect(alerts.get(DeliveryAlerts.clockSkew)?.severity).toBe('critical');
    expect(alerts.get(DeliveryAlerts.clockSkew)?.message).toMatch(/about 10 minutes behind/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'cloud-error', code: 'signature_expired' }));

    health.failed({ code: 'network_error', message: 'down' }, NOW + 1000);
    expect(alerts.has(DeliveryAlerts.clockSkew)).toBe(true);
    // An answer clears the other delivery alerts; clock_skew goes when the client measures the clocks agree.
    health.answered();
    expect([...alerts.keys()]).toEqual([DeliveryAlerts.clockSkew]);
  });
});
