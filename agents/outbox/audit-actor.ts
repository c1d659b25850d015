/**
 * Who is acting, carried with the async call instead of through every signature: the CLI, the
 * control API and the cloud-command runner set it once at their entry, and the audit log reads it
 * where the event happens. Outside any of them the actor is the agent itself (`system`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type AuditActor = 'cli' | 'system' | `socket:${string}` | `token:${string}` | `session:${string}` | `cloud:${string}`;

const actors = new AsyncLocalStorage<AuditActor>();

export function runAsActor<T>(actor: AuditActor, work: () => T): T {
  return actors.run(actor, work);
}

export function currentActor(): AuditActor {
  return actors.getStore() ?? 'system';
}

/** The control API's caller: a browser session, or a local socket or token (the role says which). */
export function controlActor(principal: { role: string; via: string }): AuditActor {
  // The TCP token file is read by scripts on the agent's account; a socket's role is its file permission.
  if (principal.via === 'session') return `session:${principal.role}`;
  return principal.via === 'token' ? `token:${principal.role}` : `socket:${principal.role}`;
}
