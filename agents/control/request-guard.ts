import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface GuardRefusal {
  status: number;
  code: string;
  message: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The checks every control request passes before it is routed (DESIGN.md §6):
 * - `Host` must name loopback on our port, so a hostile page cannot reach us through DNS rebinding;
 * - `Origin`, when a browser sends one, must be this same loopback origin;
 * - the bearer token must match, compared in constant time.
 */
export function checkControlRequest(headers: IncomingHttpHeaders, port: number, token: string): GuardRefusal | null {
  const allowedHosts = LOOPBACK_NAMES.map((name) => `${name}:${port}`);
  const host = headers.host?.toLowerCase();
  if (host === undefined || !allowedHosts.includes(host)) {
    return {
      status: 421,
      code: 'misdirected_host',
      message: `The control API answers only to 127.0.0.1, localhost or [::1] on port ${port}.`,
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !allowedHosts.some((allowed) => origin.toLowerCase() === `http://${allowed}`)) {
    return {
      status: 403,
      code: 'forbidden_origin',
      message: 'The control API accepts browser requests only from its own page on this machine.',
    };
  }
  if (!bearerMatches(headers.authorization, token)) {
    return {
      status: 401,
      code: 'unauthorized',
      message: 'Missing or wrong control token: it is in control.json in the agent data folder.',
    };
  }
  return null;
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  // Hashing first gives equal lengths, so neither the length nor the content leaks through timing.
  return timingSafeEqual(digest(presented), digest(token));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
