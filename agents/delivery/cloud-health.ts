/**
 * What the delivery loop has learned about the cloud, turned into status events and alerts:
 * reachable again (clear alerts once), failing for too long (one warning), or refusing this agent
 * for good (a critical alert: revoked, or this version is too old).
 */
import type { Logger } from '../telemetry/logger.ts';
import type { DeliveryError } from './classify.ts';
import type { DelivererEvent } from './deliverer-events.ts';

export const DeliveryAlerts = {
  revoked: 'agent_revoked',
  upgradeRequired: 'upgrade_required',
  unreachable: 'cloud_unreachable',
  clockSkew: 'clock_skew',
} as const;

export type Halt = { kind: 'revoked' | 'upgrade-required'; error: DeliveryError };

export interface AlertSink {
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clearAlert(code: string): void;
}

const HALT_MESSAGES: Record<Halt['kind'], { code: string; message: string }> = {
  revoked: {
    code: DeliveryAlerts.revoked,
    message:
      'The cloud revoked this agent: delivery stopped and the queue is kept. Enroll again with a new enrollment key.',
  },
  'upgrade-required': {
    code: DeliveryAlerts.upgradeRequired,
    message:
      'The cloud no longer accepts this agent version: delivery stopped and the queue is kept. Install the current version.',
  },
};

export class CloudHealth {
  readonly #alerts: AlertSink;
  readonly #emit: (event: DelivererEvent) => void;
  readonly #log: Logger;
  readonly #alertAfterMs: number;
  #ok: boolean | undefined;
  #failingSince: number | undefined;
  #unreachableRaised = false;

  constructor(options: {
    alerts: AlertSink;
    emit: (event: DelivererEvent) => void;
    logger: Logger;
    alertAfterMs: number;
  }) {
    this.#alerts = options.alerts;
    this.#emit = options.emit;
    this.#log = options.logger;
    this.#alertAfterMs = options.alertAfterMs;
  }

  /**
   * Any answer that settles a batch proves the cloud is there and accepts this agent. Every answer
   * is reported as contact (status's "last contact" moves with each one, issue 9); `cloud-ok` and
   * the clearing of alerts happen once, when the cloud comes back.
   */
  answered(): void {
    this.#failingSince = undefined;
    this.#emit({ type: 'cloud-contact' });
    if (this.#ok === true) return;
    this.#ok = true;
    for (const code of Object.values(DeliveryAlerts)) this.#alerts.clearAlert(code);
    this.#unreachableRaised = false;
    this.#emit({ type: 'cloud-ok' });
  }

  failed(error: DeliveryError, now: number): void {
    this.#ok = false;
    this.#failingSince ??= now;
    this.#emit({ type: 'cloud-error', code: error.code, message: error.message });
    // Retrying cannot fix a wrong clock: say so at once, in the words classify chose.
    if (error.code === 'signature_expired') {
      this.#alerts.raiseAlert({ code: DeliveryAlerts.clockSkew, severity: 'critical', message: error.message });
    }
    const failingMs = now - this.#failingSince;
    if (!this.#unreachableRaised && failingMs >= this.#alertAfterMs) {
      this.#unreachableRaised = true;
      this.#alerts.raiseAlert({
        code: DeliveryAlerts.unreachable,
        severity: 'warning',
        message:
          `Nothing reached the cloud for ${Math.round(failingMs / 60_000)} minutes (${error.message}). ` +
          'The data is kept and goes out when the cloud is back.',
      });
    }
  }

  halted(halt: Halt): void {
    this.#ok = false;
    const { code, message } = HALT_MESSAGES[halt.kind];
    this.#alerts.raiseAlert({ code, severity: 'critical', message });
    this.#log.error({ errorType: halt.error.code, stage: 'delivery' }, message);
    this.#emit(halt.kind === 'revoked' ? { type: 'revoked', message } : { type: 'upgrade-required', message });
    this.#emit({ type: 'cloud-error', code: halt.error.code, message: halt.error.message });
  }
}
