import { isIPv4 } from 'node:net';

/**
 * True when a socket's remote address is the machine itself: 127.0.0.0/8, ::1, or an IPv4 loopback
 * address mapped into IPv6. The admin surface can queue commands and revoke agents, so anything
 * else is refused even if someone binds the sandbox to a public interface.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined || address === '') return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return isIPv4(v4) && v4.startsWith('127.');
}
