/**
 * Callers and their roles (the roles themselves are in agents/api/roles.ts, shared with the
 * dashboard). A caller's role comes from how it reached the agent: the local socket it connected
 * to (control-admin.sock, control-operator.sock, control-viewer.sock: file permissions decide who
 * can), the control token in control.json (readable by the agent's user only: admin), or a browser
 * session, which carries the role of the socket that asked for its login link.
 */
import { roleAllows, ROLES, type Role } from '../api/roles.ts';

export { roleAllows, ROLES, type Role };

export interface Principal {
  role: Role;
  via: 'token' | 'session' | 'socket';
}

/** What the refusal of a role says about getting the role (known to the server from its config). */
export interface RoleHelp {
  /** The group whose members may use the operator socket (config control.operatorGroup), if set. */
  operatorGroup?: string;
  /** The user the agent runs as. */
  agentUser: string;
}

/** The refusal message: what was needed, what the caller has, and how to get the needed role. */
export function roleRefusalMessage(action: string, required: Role, held: Role, help: RoleHelp): string {
  const how =
    required === 'operator'
      ? help.operatorGroup === undefined
        ? `run it as the agent's user (${help.agentUser}), or ask IT to set control.operatorGroup in the agent's config and add you to that group`
        : `ask IT to add you to the group "${help.operatorGroup}" (then log in again), or run it as the agent's user (${help.agentUser})`
      : `run it as the agent's user (${help.agentUser}), e.g. with "sudo -u ${help.agentUser} tya-agent …"`;
  return `${action} needs the ${required} role, and this caller is a ${held}. To get the ${required} role, ${how}.`;
}
