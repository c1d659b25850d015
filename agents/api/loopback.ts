/**
 * What counts as this machine, for every address the config lets the agent talk to or listen on:
 * plain http and open ports are allowed only there (the cloud URL, alert webhooks, /metrics).
 */
export const LOOPBACK_HOSTS = ['127.0.0.1', '::1', 'localhost'] as const;

export function isLoopbackName(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host);
}

/** https anywhere, or http to this machine only: what leaves it never crosses a network in clear. */
export function isHttpsOrLoopbackUrl(raw: string): boolean {
  // zod still runs refinements when the url field itself failed; a malformed address is simply not allowed.
  if (!URL.canParse(raw)) return false;
  const url = new URL(raw);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackName(url.hostname.replace(/^\[(.*)\]$/, '$1'));
}
