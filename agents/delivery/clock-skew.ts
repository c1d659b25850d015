/**
 * `401 signature_expired` means the request was authentic but its timestamp lay outside the cloud's
 * window. Signatures carry the current time (never a batch's age), so this is this machine's clock,
 * and no retry heals it: a person must fix the time. The refusal itself says by how much, because it
 * carries the cloud's clock: `error.details.serverTime` when the cloud gives it, else the `Date`
 * header every HTTP answer has (RFC 9110 §6.6.1, whole seconds, plenty for "about N minutes").
 */
import { firstHeader, type HttpAnswer } from './http-answer.ts';

/** The cloud's clock minus this machine's, from an answer received at `nowMs`; undefined when it does not say. */
export function measureClockSkewMs(answer: HttpAnswer, nowMs: number): number | undefined {
  const cloudMs = serverTimeMs(answer.body) ?? dateHeaderMs(firstHeader(answer.headers, 'date'));
  return cloudMs === undefined ? undefined : cloudMs - nowMs;
}

/** The sentence for the alert and the status: which way the clock is off, and by about how much. */
export function describeClockSkew(skewMs: number | undefined, windowSecs?: number): string {
  const allowed = windowSecs === undefined ? '' : ` (it allows ${formatAmount(windowSecs * 1000)})`;
  const fix =
    'Set the correct time on this computer (turn on automatic time / NTP). ' +
    'Nothing is lost: the queue is kept and goes out once the clock is right.';
  if (skewMs === undefined) {
    return `The cloud refuses this agent's signed requests as too old or too new${allowed}: this computer's clock is wrong. ${fix}`;
  }
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  return (
    `This computer's clock is about ${formatAmount(Math.abs(skewMs))} ${direction} the cloud's clock, ` +
    `so the cloud refuses its signed requests${allowed}. ${fix}`
  );
}

/**
 * The sentence when the clock is off by more than the signature window but delivery goes on (the
 * client stamps its signatures in the cloud's time, cloud-api.md § Signatures).
 */
export function describeSkewCompensated(skewMs: number): string {
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  return (
    `This computer's clock is about ${formatAmount(Math.abs(skewMs))} ${direction} the cloud's clock. ` +
    'Delivery goes on (requests are signed in the cloud\'s time), but the times this computer records are off: ' +
    'set the correct time on this computer (turn on automatic time / NTP).'
  );
}

/** `details.windowSecs` of the refusal, when the cloud names its window. */
export function signatureWindowSecs(body: unknown): number | undefined {
  const value = details(body)?.windowSecs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function formatAmount(ms: number): string {
  if (ms >= 90_000) return `${Math.round(ms / 60_000)} minutes`;
  const secs = Math.round(ms / 1000);
  return `${secs} second${secs === 1 ? '' : 's'}`;
}

function serverTimeMs(body: unknown): number | undefined {
  const value = details(body)?.serverTime;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function dateHeaderMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function details(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { details?: unknown }).details;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
