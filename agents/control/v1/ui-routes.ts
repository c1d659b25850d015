/** The browser dashboard's session: one-time login links and the CSRF token. */
import { z } from 'zod';
import { ControlHttpError } from '../control-routes.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';

export interface UiRouteContext {
  /** A new one-time login URL for the browser. */
  createLoginLink(): { url: string; expiresAt: string };
}

export function uiRoutes(context: UiRouteContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/ui/login-links',
      role: 'admin',
      tag: 'session',
      summary: 'A one-time login link for the browser dashboard (single use, valid two minutes). Token callers only.',
      params: NoParams,
      input: NoInput,
      output: z.object({ url: z.string(), expiresAt: z.iso.datetime({ offset: true }) }),
      run: ({ caller }) => {
        if (caller.principal.via !== 'token') {
          throw new ControlHttpError(403, 'token_required', 'Login links are made with the control token (tya-agent open-ui), not from a browser.');
        }
        return context.createLoginLink();
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
      output: z.object({ role: z.enum(['viewer', 'operator', 'admin']), via: z.enum(['token', 'session']), csrfToken: z.string().nullable() }),
      run: ({ caller }) => ({ role: caller.principal.role, via: caller.principal.via, csrfToken: caller.csrfToken }),
    }),
  ];
}
