/** The browser dashboard's session: one-time login links and the CSRF token. */
import { z } from 'zod';
import { ControlHttpError } from '../control-routes.ts';
import { RoleSchema } from '../../api/roles.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import type { Role } from '../roles.ts';

export interface UiRouteContext {
  /** A new one-time login URL for a browser session with `role`. */
  createLoginLink(role: Role): { url: string; expiresAt: string };
}

export function uiRoutes(context: UiRouteContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/ui/login-links',
      role: 'viewer',
      tag: 'session',
      summary:
        'A one-time login link for the browser dashboard (single use, valid two minutes). Socket and token callers only; ' +
        'the session gets the caller’s role (the socket’s, or admin for the token).',
      params: NoParams,
      input: NoInput,
      output: z.object({ url: z.string(), expiresAt: z.iso.datetime({ offset: true }) }),
      run: ({ caller }) => {
        if (caller.principal.via === 'session') {
          throw new ControlHttpError(403, 'token_required', 'Login links are made with "tya-agent open-ui" on the agent’s computer, not from a browser.');
        }
        return context.createLoginLink(caller.principal.role);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/session',
      role: 'viewer',
      tag: 'session',
      summary: 'Who the caller is (role) and, for a browser session, the CSRF token to send in X-CSRF-Token.',
      params: NoParams,
      input: NoInput,
      output: z.object({ role: RoleSchema, via: z.enum(['token', 'session', 'socket']), csrfToken: z.string().nullable() }),
      run: ({ caller }) => ({ role: caller.principal.role, via: caller.principal.via, csrfToken: caller.csrfToken }),
    }),
  ];
}
