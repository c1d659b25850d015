import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardRefusal {
  status: number;
  code: string;
  message: string;
}

/** 127.0.0.1, localhost or [::1], on any port: an SSH tunnel (`ssh -L 8080:127.0.0.1:<port>`) changes the port. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/;

/**
 * The checks every request passes before anything else (DESIGN.md §6):
 * - `Host` must be a loopback name (any port), so a hostile page cannot reach us through DNS rebinding;
 * - `Origin`, when a browser sends one, must be the page's own origin on that same host.
 */
export function checkHostAndOrigin(headers: IncomingHttpHeaders): GuardRefusal | null {
  const host = headers.host?.toLowerCase();
  if (host === undefined || !LOOPBACK_HOST.test(host)) {
    return {
      status: 403,
      code: 'forbidden_host',
      message: 'The control API answers only to 127.0.0.1, localhost or [::1] (on any port, for SSH tunnels).',
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    return {
      status: 403,
      code: 'forbidden_origin',
      message: 'The control API accepts browser requests only from its own page on this machine.',
    };
  }
  return null;
}

export const UNAUTHORIZED: GuardRefusal = {
  status: 401,
  code: 'unauthorized',
  message: 'Missing or wrong control token (it is in control.json in the agent data folder), or no dashboard session: open the dashboard with "tya-agent open-ui".',
};

/** Host and origin, then the bearer token (the CLI and scripts). */
export function checkControlRequest(headers: IncomingHttpHeaders, token: string): GuardRefusal | null {
  return checkHostAndOrigin(headers) ?? (bearerMatches(headers.authorization, token) ? null : UNAUTHORIZED);
}

export function bearerMatches(authorization: string | undefined, token: string): boolean {
  return secretEquals(/^Bearer (\S+)$/i.exec(authorization ?? '')?.[1] ?? '', token);
}

/** Constant time: hashing first gives equal lengths, so neither the length nor the content leaks through timing. */
export function secretEquals(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
