/**
 * What the delivery loop has learned about the cloud, turned into status events and alerts:
 * reachable again (clear alerts once), failing for too long (one warning), or refusing this agent
 * for good (a critical alert: revoked, or this version is too old).
 */
import type { Logger } from '../telemetry/logger.ts';
import type { DeliveryError, HaltScope } from './classify.ts';
import type { DelivererEvent } from './deliverer-events.ts';

export const DeliveryAlerts = {
  revoked: 'agent_revoked',
  upgradeRequired: 'upgrade_required',
  unreachable: 'cloud_unreachable',
  clockSkew: 'clock_skew',
  halted: 'delivery_halted',
} as const;

/**
 * Delivery stopped by the cloud's word (cloud-api.md § Batches): what it covers, why, and when it is
 * tried again. The queue is always kept; a halt ends by itself once a retry gets through.
 */
export interface Halt {
  kind: 'revoked' | 'upgrade-required' | 'refused';
  scope: HaltScope;
  error: DeliveryError;
  /** Epoch ms of the next try (every 5 minutes). */
  retryAt: number;
}

/** The alert code of a halt: one per scope, so halting one source does not hide another's. */
export function haltAlertCode(halt: Pick<Halt, 'kind' | 'scope'>): string {
  if (halt.kind === 'revoked') return DeliveryAlerts.revoked;
  if (halt.kind === 'upgrade-required') return DeliveryAlerts.upgradeRequired;
  const { scope } = halt;
  if (scope.type === 'source') return `${DeliveryAlerts.halted}:source:${scope.source}`;
  if (scope.type === 'entity') return `${DeliveryAlerts.halted}:entity:${scope.entity}`;
  return DeliveryAlerts.halted;
}

/** What a person reads about a halt: what stopped, why in the cloud's words, and what to do. */
export function describeHalt(halt: Pick<Halt, 'kind' | 'scope' | 'error'>): string {
  if (halt.kind !== 'refused') return HALT_MESSAGES[halt.kind].message;
  const { scope, error } = halt;
  const what =
    scope.type === 'source'
      ? `Delivery of source ${scope.source} is paused`
      : scope.type === 'entity'
        ? `Delivery for entity ${scope.entity} is paused`
        : 'Delivery is paused';
  // No HTTP answer: the way to the cloud (TLS, proxy) refused, and the message already says what to configure.
  if (error.status === undefined) {
    return `${what}: ${error.message} The queue is kept and delivery is tried again every 5 minutes.`;
  }
  const todo = HALT_ADVICE[error.status ?? 0] ?? 'Check the cloud URL and this agent\'s enrollment.';
  return (
    `${what}: the cloud answered HTTP ${error.status ?? '?'} ${error.code} (${error.message}). ${todo} ` +
    'The queue is kept and delivery is tried again every 5 minutes, so it resumes by itself once the cause is gone.'
  );
}

const HALT_ADVICE: Record<number, string> = {
  401: 'The cloud does not accept this agent\'s credentials: rotate them or enroll the agent again.',
  403: 'This agent may not send for that entity: check cloud.entity in the config against the entities it was enrolled for.',
  404: 'The cloud URL looks wrong, or a captive portal or proxy answered instead: check cloud.url.',
  407: 'A proxy between this agent and the cloud wants a login: configure the proxy credentials.',
  409:
    'Another agent already sends this data: if this server replaces the old one, approve the hand-over in the portal.',
};

export interface AlertSink {
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
  clearAlert(code: string): void;
}

const HALT_MESSAGES: Record<Exclude<Halt['kind'], 'refused'>, { code: string; message: string }> = {
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
    // clock_skew is the client's to clear: it measures the cloud's clock on every answer.
    for (const code of Object.values(DeliveryAlerts)) if (code !== DeliveryAlerts.clockSkew) this.#alerts.clearAlert(code);
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
    const code = haltAlertCode(halt);
    const message = describeHalt(halt);
    this.#alerts.raiseAlert({ code, severity: 'critical', message });
    this.#log.error({ errorType: halt.error.code, stage: 'delivery' }, message);
    if (halt.kind === 'revoked') this.#emit({ type: 'revoked', message });
    else if (halt.kind === 'upgrade-required') this.#emit({ type: 'upgrade-required', message });
    else this.#emit({ type: 'halted', scope: halt.scope, code: halt.error.code, message });
    this.#emit({ type: 'cloud-error', code: halt.error.code, message: halt.error.message });
  }

  /** A halt's retry got through: its alert goes (the others stay until their own retry succeeds). */
  haltLifted(halt: Halt): void {
    this.#alerts.clearAlert(haltAlertCode(halt));
    this.#log.info({ stage: 'delivery' }, `The cloud accepts again what was halted (${halt.error.code}); delivery resumed.`);
    this.#emit({ type: 'resumed', scope: halt.scope });
  }
}
