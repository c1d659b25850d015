/**
 * Where the Linux service keeps what (docs/service.md). Every path hangs off `root` so tests install
 * into a throwaway folder and never touch the machine's /etc.
 */
import path from 'node:path';
import { stoppedUnitName } from './systemd-unit.ts';

export const SERVICE_NAME = 'tya-agent';

export interface ServiceLayout {
  root: string;
  /** The configuration the service started from; never changed by the agent. */
  etcDir: string;
  etcConfig: string;
  /** Outbox, logs, vault and the live config (the dashboard edits this one). */
  dataDir: string;
  liveConfig: string;
  unitFile: string;
  /** The oneshot unit the agent's OnFailure= starts: it tells the alert channels (systemd-unit.ts). */
  stoppedUnitFile: string;
  user: string;
  group: string;
  unitName: string;
}

export function serviceLayout(options: { root?: string; user?: string; unitName?: string } = {}): ServiceLayout {
  const root = path.resolve(options.root ?? '/');
  const user = options.user ?? SERVICE_NAME;
  const unitName = options.unitName ?? SERVICE_NAME;
  const etcDir = path.join(root, 'etc', SERVICE_NAME);
  const dataDir = path.join(root, 'var', 'lib', SERVICE_NAME);
  return {
    root,
    etcDir,
    etcConfig: path.join(etcDir, 'agent.json'),
    dataDir,
    liveConfig: path.join(dataDir, 'tya-agent.json'),
    unitFile: path.join(root, 'etc', 'systemd', 'system', `${unitName}.service`),
    stoppedUnitFile: path.join(root, 'etc', 'systemd', 'system', `${stoppedUnitName(unitName)}.service`),
    user,
    group: user,
    unitName,
  };
}
