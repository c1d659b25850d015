/**
 * `doctor` on who may reach the running agent (issue 12, item 5): the operator socket belongs to
 * the group in control.operatorGroup, so bookkeepers in that group can sync, retry and approve
 * without being the agent's user. Unset, only the agent's user (and its own group) can.
 */
import type { AgentConfig } from '../../api/index.ts';
import { groupId } from '../../control/index.ts';
import type { Finding } from './doctor-checks.ts';

export function checkOperatorGroup(config: AgentConfig, lookup: (name: string) => number | null = groupId): Finding {
  if (process.platform === 'win32') return { status: 'skip', text: 'Control roles on Windows come from the named pipes’ ACLs (set by the installer).' };
  const group = config.control.operatorGroup;
  if (group === undefined) {
    return {
      status: 'warn',
      text: 'control.operatorGroup is not set: only the agent’s user can sync, retry or approve from the CLI or the tray; other users only look (viewer).',
      detail: ['Create a group for bookkeepers (groupadd tya-operators), add them (usermod -aG tya-operators NAME), and set control.operatorGroup to it.'],
    };
  }
  if (lookup(group) === null) {
    return {
      status: 'warn',
      text: `control.operatorGroup names "${group}", which is not a group on this computer, so the operator socket stays with the agent's own group.`,
      detail: [`Create it (groupadd ${group}), add the agent's user and the bookkeepers to it, then restart the agent.`],
    };
  }
  return { status: 'ok', text: `Members of the group "${group}" may act as operators (control-operator.sock).` };
}
