/** The audit log (docs/audit-log.md): who did what security-relevant thing, for anyone who may look. */
import { z } from 'zod';
import { AuditListSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

export function auditRoutes(port: DashboardPort | undefined): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/audit',
      role: 'viewer',
      tag: 'audit',
      summary:
        'Security events (enrollment, rotation, revocation, config and credential changes, commands, dead-letter decisions, voids, approvals), newest first, with the actor; names and counts only, never secrets or record data.',
      params: NoParams,
      input: z.strictObject({
        since: z.iso.datetime({ offset: true }).optional(),
        limit: z.coerce.number().int().min(1).max(2000).default(200),
      }),
      output: AuditListSchema,
      run: ({ input }) => requirePort(port).auditLog(input),
    }),
  ];
}
