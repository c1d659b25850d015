/**
 * Retry timing (DESIGN.md §4): full-jitter exponential backoff, and the server's `Retry-After` as a
 * floor. Full jitter spreads a fleet of agents that all lost the cloud at the same moment, so they
 * do not come back in lockstep.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** A wait in [0, min(cap, base · 2^attempts)); `random` returns [0, 1) like Math.random. */
export function backoffMs(policy: BackoffPolicy, attempts: number, random: () => number): number {
  const exponent = Math.max(0, Math.min(attempts, 52));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds to wait according to a `Retry-After` header (RFC 9110 §10.2.3): either
 * delay-seconds (a non-negative integer) or an HTTP-date. A date in the past means "now" (0);
 * anything unparseable is ignored (undefined) rather than guessed at.
 */
export function parseRetryAfter(header: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const raw: string | undefined = typeof header === 'string' ? header : header?.[0];
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // HTTP-date: IMF-fixdate or one of the obsolete forms; each starts with a day name.
  if (!/^[A-Za-z]{3,9},? /.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The wait before the next attempt: jittered backoff, but never shorter than the server asked for. */
export function nextWaitMs(
  policy: BackoffPolicy,
  attempts: number,
  random: () => number,
  serverHintMs: number | undefined,
): number {
  const jittered = backoffMs(policy, attempts, random);
  return serverHintMs === undefined ? jittered : Math.max(jittered, serverHintMs);
}
