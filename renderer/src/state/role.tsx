/**
 * The dashboard's role (issue 12, item 5): asked once from the agent (GET /api/v1/session, or the
 * tray's IPC), so actions the role may not do are not offered: in their place a short "needs
 * operator/admin" hint. The agent refuses them anyway; this only spares people a refusal.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { roleAllows, RoleSchema, type Role } from '../../../agents/api/roles.ts';
import { ACTION_ROLES, type InvokeMethod } from '../../../preload/contract.ts';
import { useI18n } from '../i18n/i18n.ts';
import { useLive } from './live.tsx';

const ROLE_NAMES = { viewer: 'role.viewer', operator: 'role.operator', admin: 'role.admin' } as const;

/** null until the agent has answered: nothing that changes data is offered before that. */
const RoleContext = createContext<Role | null>(null);

export function RoleProvider({ children }: { children: ReactNode }) {
  const { api } = useLive();
  const [role, setRole] = useState<Role | null>(null);
  useEffect(() => {
    // An agent too old to say is the admin-only agent it always was: the agent still decides.
    void api.getSession().then((result) => {
      const said = RoleSchema.safeParse(result.ok ? result.value.role : undefined);
      setRole(said.success ? said.data : 'admin');
    });
  }, [api]);
  return <RoleContext.Provider value={role}>{children}</RoleContext.Provider>;
}

export function useRole(): Role | null {
  return useContext(RoleContext);
}

/** "Signed in as viewer", for the header; nothing until the agent has said. */
export function RoleBadge() {
  const role = useRole();
  const { t } = useI18n();
  return role === null ? null : <p className="top-role">{t('role.current', { role: t(ROLE_NAMES[role]) })}</p>;
}

/** Whether this session's role may do `action`. */
export function useAllows(): (action: InvokeMethod) => boolean {
  const role = useRole();
  return (action) => role !== null && roleAllows(role, ACTION_ROLES[action]);
}

/** Its children when the role may do `action`; otherwise a short hint naming the role needed (and the action, given `label`). */
export function RoleGate({ action, label, children }: { action: InvokeMethod; label?: string; children: ReactNode }) {
  const role = useRole();
  const { t } = useI18n();
  if (role === null) return null;
  const needed = ACTION_ROLES[action];
  if (roleAllows(role, needed)) return <>{children}</>;
  return (
    <span className="needs-role" title={t('role.hint', { role: t(ROLE_NAMES[role]), needed: t(ROLE_NAMES[needed]) })}>
      {label === undefined ? '' : `${label}: `}
      {t(needed === 'admin' ? 'role.needsAdmin' : 'role.needsOperator')}
    </span>
  );
}
