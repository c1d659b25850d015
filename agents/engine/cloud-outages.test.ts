/**
 * The outage count the reference-list refresh watches: a delivery that fails and succeeds again
 * between two retry ticks must still count, or the lists are not revalidated after a short outage.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../outbox/outbox-test-kit.ts';
import { reachedCloud } from './delivery-signals.ts';
import { StatusTracker } from './status-tracker.ts';

const away = { code: 'network_error', message: 'connect ECONNREFUSED 127.0.0.1:1' };

describe('StatusTracker.cloudOutageCount', () => {
  it('counts each fall from answering to away once, however short', () => {
    const tracker = new StatusTracker(new ManualClock());
    expect(tracker.cloudOutageCount).toBe(0);
    tracker.cloudFailed(away, reachedCloud(away.code));
    tracker.cloudFailed(away, reachedCloud(away.code));
    expect(tracker.cloudOutageCount).toBe(1);
    tracker.cloudSucceeded();
    expect(tracker.isCloudReachable).toBe(true);
    // A second outage over before anyone polled isCloudReachable: the count still moved.
    tracker.cloudFailed(away, false);
    tracker.cloudSucceeded();
    expect(tracker.cloudOutageCount).toBe(2);
  });

  it('does not count an HTTP error answer: the cloud was reached', () => {
    const tracker = new StatusTracker(new ManualClock());
    tracker.cloudFailed({ code: 'http_503', message: 'Service Unavailable' }, reachedCloud('http_503'));
    expect(tracker.cloudOutageCount).toBe(0);
  });
});
