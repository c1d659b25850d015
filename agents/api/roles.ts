/**
 * Who may do what over the control API (issue 12, item 5). A viewer reads everything; an operator
 * (a bookkeeper) also acts on data: sync now, pause and resume, retry and discard dead letters,
 * approve held files, acknowledge alerts; an admin (IT) also changes configuration, credentials,
 * enrollment, mappings, resync and voids sent files. Every control route declares the least role
 * it needs (agents/control/route-table.ts); the dashboard's actions name theirs in
 * preload/contract.ts (ACTION_ROLES), and a test keeps the two tables in agreement.
 */
import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}
