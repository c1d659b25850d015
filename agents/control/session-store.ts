/**
 * Browser sessions for the dashboard (DESIGN.md §6): `tya-agent open-ui` asks the running agent for
 * a one-time login link; opening it trades the link's secret (single use, short lived) for a session
 * cookie (HttpOnly, SameSite=Strict) and a CSRF token the page sends back on every change. Secrets
 * are kept only as hashes, so a memory dump or a log line cannot replay them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../pipeline/clock.ts';
import type { Role } from './roles.ts';

export const SESSION_COOKIE = 'tya_session';
export const CSRF_HEADER = 'x-csrf-token';
export const LOGIN_LINK_TTL_MS = 2 * 60_000;
export const SESSION_IDLE_MS = 12 * 3600_000;

export interface Session {
  /** The role of whoever asked for the login link (the socket it came through, or admin for the token). */
  role: Role;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export class SessionStore {
  readonly #clock: Clock;
  readonly #links = new Map<string, { expiresAt: number; role: Role }>();
  readonly #sessions = new Map<string, Session>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A new login secret for a session with `role`, valid once within LOGIN_LINK_TTL_MS. */
  createLoginSecret(role: Role): { secret: string; expiresAt: number } {
    this.#sweep();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = this.#clock.now() + LOGIN_LINK_TTL_MS;
    this.#links.set(hash(secret), { expiresAt, role });
    return { secret, expiresAt };
  }

  /** Spends a login secret: a session id and its CSRF token, or null when unknown, used or expired. */
  redeem(secret: string): { sessionId: string; session: Session } | null {
    const key = hash(secret);
    const link = this.#links.get(key);
    this.#links.delete(key);
    if (link === undefined || link.expiresAt < this.#clock.now()) return null;
    const sessionId = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const session: Session = { role: link.role, csrfToken: randomBytes(24).toString('base64url'), createdAt: now, lastSeenAt: now };
    this.#sessions.set(hash(sessionId), session);
    return { sessionId, session };
  }

  /** The live session for a cookie value, refreshed; null when unknown or idle too long. */
  find(sessionId: string): Session | null {
    const key = hash(sessionId);
    const session = this.#sessions.get(key);
    if (session === undefined) return null;
    const now = this.#clock.now();
    if (now - session.lastSeenAt > SESSION_IDLE_MS) {
      this.#sessions.delete(key);
      return null;
    }
    session.lastSeenAt = now;
    return session;
  }

  end(sessionId: string): void {
    this.#sessions.delete(hash(sessionId));
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, link] of this.#links) if (link.expiresAt < now) this.#links.delete(key);
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The value of one cookie in a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
