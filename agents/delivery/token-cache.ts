/**
 * The bearer token, fetched once and shared by every lane. Single-flight: two lanes that both find
 * the token stale wait for one token request instead of racing two.
 */
import type { Clock } from '../pipeline/clock.ts';

/** Refresh this long before expiry, so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export interface IssuedToken {
  token: string;
  expiresInSecs: number;
}

export type TokenFetch<Failure> = () => Promise<{ ok: true; value: IssuedToken } | { ok: false; failure: Failure }>;

export class TokenCache<Failure> {
  readonly #fetch: TokenFetch<Failure>;
  readonly #clock: Clock;
  #current: { token: string; refreshAtMs: number } | undefined;
  #inFlight: Promise<{ ok: true; token: string } | { ok: false; failure: Failure }> | undefined;

  constructor(fetch: TokenFetch<Failure>, clock: Clock) {
    this.#fetch = fetch;
    this.#clock = clock;
  }

  /** A token that is good for a while yet, from the cache or freshly fetched. */
  async get(): Promise<{ ok: true; token: string } | { ok: false; failure: Failure }> {
    const current = this.#current;
    if (current !== undefined && this.#clock.now() < current.refreshAtMs) return { ok: true, token: current.token };
    this.#inFlight ??= this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** The cloud said this token expired: drop it, unless another lane already replaced it. */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  clear(): void {
    this.#current = undefined;
  }

  async #refresh(): Promise<{ ok: true; token: string } | { ok: false; failure: Failure }> {
    const result = await this.#fetch();
    if (!result.ok) return result;
    const ttlMs = result.value.expiresInSecs * 1000;
    // Short-lived tokens (a test's 1 s) would never be cached with a fixed 60 s margin.
    const margin = Math.min(REFRESH_MARGIN_MS, ttlMs / 2);
    this.#current = { token: result.value.token, refreshAtMs: this.#clock.now() + ttlMs - margin };
    return { ok: true, token: result.value.token };
  }
}
