/**
 * When the agent's cloud credentials were last replaced, and replacing them on the cloud's command
 * or on a schedule (issue 12 item 2; cloud-api.md § Authentication 4). The rotation itself, with its
 * crash-safe Idempotency-Key, is delivery/rotation.ts; this adds the clock: a secret older than
 * `cloud.rotateCredentialsEveryDays` is replaced at the next hourly check, and `status` shows each
 * secret's age and next rotation (never the secret).
 */
import type { CredentialStatus } from '../api/status.ts';
import { rotateCredentials, rotationPending, type RotatingClient } from '../delivery/rotation.ts';
import { EnrollmentKeys, type EnrollmentStateStore } from '../delivery/enrollment.ts';
import { describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { SecretStore } from '../vault/secret-store.ts';

/** State key: when the secrets in the keychain were last replaced by a rotation. */
export const ROTATED_AT_KEY = 'credentials.rotatedAt';
export const ROTATION_FAILED_ALERT = 'credential_rotation_failed';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Each secret's age and the next scheduled rotation, from the stored times: a pure function of `now`. */
export function credentialStatus(
  state: Pick<EnrollmentStateStore, 'getState'>,
  nowMs: number,
  everyDays: number,
): CredentialStatus | null {
  const enrolledAt = state.getState(EnrollmentKeys.enrolledAt) ?? null;
  if (enrolledAt === null) return null;
  const rotatedAt = state.getState(ROTATED_AT_KEY) ?? null;
  const since = rotatedAt !== null && rotatedAt > enrolledAt ? rotatedAt : enrolledAt;
  const sinceMs = Date.parse(since);
  return {
    enrolledAt,
    rotatedAt: rotatedAt !== null && rotatedAt > enrolledAt ? rotatedAt : null,
    secretsSince: since,
    ageDays: Math.max(0, Math.floor((nowMs - sinceMs) / DAY_MS)),
    rotateEveryDays: everyDays,
    nextRotationAt: everyDays > 0 ? new Date(sinceMs + everyDays * DAY_MS).toISOString() : null,
  };
}

export function rotationDue(status: CredentialStatus | null, nowMs: number): boolean {
  return status?.nextRotationAt != null && Date.parse(status.nextRotationAt) <= nowMs;
}

export interface CredentialRotatorOptions {
  /** The cloud client in use, or null while not enrolled or delivery is stopped. */
  client: () => RotatingClient | null;
  secrets: SecretStore;
  state: Pick<EnrollmentStateStore, 'getState' | 'setState' | 'deleteState' | 'audit'>;
  alerts: {
    raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
    clearAlert(code: string): void;
  };
  now: () => number;
  everyDays: () => number;
  logger: Logger;
}

export class CredentialRotator {
  readonly #options: CredentialRotatorOptions;
  /** One rotation at a time: a command arriving during a scheduled one joins it. */
  #running: Promise<{ rotatedAt: string }> | null = null;

  constructor(options: CredentialRotatorOptions) {
    this.#options = options;
  }

  status(): CredentialStatus | null {
    return credentialStatus(this.#options.state, this.#options.now(), this.#options.everyDays());
  }

  /** Replaces the client and signing secrets now. Throws (an AgentError saying what to do) when it cannot. */
  rotate(why: 'command' | 'schedule'): Promise<{ rotatedAt: string }> {
    this.#running ??= this.#rotate(why).finally(() => (this.#running = null));
    return this.#running;
  }

  /**
   * The hourly look: rotates when the secrets are older than the schedule allows, or finishes a
   * rotation the cloud answered but the keychain did not keep (whatever started it: the old signing
   * secret verifies for 24 hours only). Failures become an alert.
   */
  async check(): Promise<void> {
    const { state, now, client } = this.#options;
    if (!(rotationPending(state) || rotationDue(this.status(), now())) || client() === null) return;
    try {
      await this.rotate('schedule');
    } catch {
      // #rotate raised the alert and logged why.
    }
  }

  async #rotate(why: 'command' | 'schedule'): Promise<{ rotatedAt: string }> {
    const { client, secrets, state, alerts, logger, now } = this.#options;
    const cloud = client();
    if (cloud === null)
      throw new Error('The agent is not enrolled or its delivery is stopped, so there are no credentials to rotate.');
    try {
      await rotateCredentials({ client: cloud, secrets, state, reason: why });
    } catch (error) {
      const { message } = describeError(error);
      alerts.raiseAlert({
        code: ROTATION_FAILED_ALERT,
        severity: 'warning',
        message: `Rotating the cloud credentials (${why === 'command' ? "the cloud's command" : 'scheduled'}) failed: ${message} The current credentials still work; the agent tries again within the hour.`,
      });
      logger.warn({ why, code: describeError(error).code }, `Rotating the cloud credentials failed: ${message}`);
      throw error;
    }
    const rotatedAt = new Date(now()).toISOString();
    state.setState(ROTATED_AT_KEY, rotatedAt);
    alerts.clearAlert(ROTATION_FAILED_ALERT);
    logger.info({ why }, 'The cloud credentials were rotated; the new ones are in the keychain.');
    return { rotatedAt };
  }
}
