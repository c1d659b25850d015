/**
 * What delivery and the outbox tell the running agent, turned into status and alerts: whether the
 * cloud was reached, a revocation, and the queue filling up (capture pauses; nothing is dropped).
 */
import { forgetEnrollment, type DelivererEvent } from '../delivery/index.ts';
import type { SecretStore } from '../vault/index.ts';
import type { Outbox, OutboxFullError } from '../outbox/index.ts';
import type { StatusTracker } from './status-tracker.ts';

/** Network errors and timeouts mean the cloud was never reached; any HTTP answer means it was. */
export function reachedCloud(code: string): boolean {
  return !['network_error', 'timeout'].includes(code);
}

export function trackDeliveryEvent(tracker: StatusTracker, event: DelivererEvent): void {
  switch (event.type) {
    case 'cloud-ok':
    case 'cloud-contact':
      tracker.cloudSucceeded();
      break;
    case 'cloud-error':
      tracker.cloudFailed(event, reachedCloud(event.code));
      break;
    case 'revoked':
      tracker.setRevoked(true);
      break;
    default:
      break;
  }
}

export function signalBackpressure(tracker: StatusTracker, outbox: Outbox, full: boolean, error?: OutboxFullError): void {
  tracker.setCapturePaused(full);
  if (!full) {
    outbox.clearAlert('outbox_full');
    return;
  }
  outbox.raiseAlert({
    code: 'outbox_full',
    severity: 'critical',
    message: `The local queue is full${error ? ` (${error.message})` : ''}. Reading from sources is paused until the cloud accepts queued changes or space is freed; nothing is dropped.`,
  });
}

/** The cloud's `revoke` command (delivery already stopped): credentials wiped, the queue kept, an alert. */
export async function wipeRevokedCredentials(secrets: SecretStore, outbox: Outbox, tracker: StatusTracker): Promise<void> {
  await forgetEnrollment(secrets, outbox);
  tracker.setRevoked(true);
  outbox.raiseAlert({
    code: 'agent_revoked',
    severity: 'critical',
    message: 'The cloud revoked this agent: its credentials were wiped. Queued changes are kept; enroll again to resume.',
  });
}
