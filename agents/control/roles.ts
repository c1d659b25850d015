/**
 * Who may do what over the control API (issue 11; the security issue maps callers to roles). A
 * viewer reads, an operator (a bookkeeper) also acts on data (sync, retry, acknowledge), an admin
 * (IT) also changes configuration and credentials. Every route declares the least role it needs.
 */
export type Role = 'viewer' | 'operator' | 'admin';

export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(held: Role, required: Role): boolean {
  return RANK[held] >= RANK[required];
}

/** Who is calling: until the security issue lands, the control token and a browser session are both admin. */
export interface Principal {
  role: Role;
  via: 'token' | 'session';
}
