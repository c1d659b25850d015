/**
 * Last contact must move with every cloud answer (issue 9): CloudHealth reports each answer, while
 * it clears its alerts only once, when the cloud comes back.
 */
import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../telemetry/logger.ts';
import { CloudHealth } from './cloud-health.ts';
import type { DelivererEvent } from './deliverer-events.ts';

function harness() {
  const events: DelivererEvent[] = [];
  const cleared: string[] = [];
  const raised: string[] = [];
  const health = new CloudHealth({
    alerts: { raiseAlert: (a) => raised.push(a.code), clearAlert: (code) => cleared.push(code) },
    emit: (event) => events.push(event),
    logger: createSilentLogger(),
    alertAfterMs: 1000,
  });
  return { health, events, cleared, raised };
}

describe('CloudHealth', () => {
  it('reports every answer as contact, and clears alerts once per recovery', () => {
    const { health, events, cleared } = harness();
    health.answered();
    health.answered();
    health.answered();
    expect(events.filter((e) => e.type === 'cloud-contact')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'cloud-ok')).toHaveLength(1);
    const clearsAfterFirst = cleared.length;
    expect(clearsAfterFirst).toBeGreaterThan(0);
    health.failed({ code: 'http_503', message: 'Busy.' }, 0);
    health.answered();
    expect(cleared.length).toBe(2 * clearsAfterFirst);
    expect(events.filter((e) => e.type === 'cloud-contact')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'cloud-ok')).toHaveLength(2);
  });
});
