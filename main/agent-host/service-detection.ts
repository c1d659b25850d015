/**
 * Whether the tray app hosts its own agent or connects to the installed service's (issue 16 item 1):
 * a pure decision from the platform, the environment and which files exist, so it is tested under
 * Node. The paths match agents/cli/service/service-layout.ts and winsw-xml.ts (main/ may not import
 * agents internals): the systemd unit on Linux, the WinSW definition on Windows.
 */
import path from 'node:path';

export type AgentHosting =
  | {
      mode: 'connect-to-service';
      /** The service's data dir, where its control sockets (or control.json) are. */
      dataDir: string;
      /** The sockets a desktop user may reach, in order of preference (operator needs control.operatorGroup membership). */
      socketFiles: readonly string[];
      /** The file that showed the service is installed. */
      evidence: string;
    }
  | { mode: 'host-own-agent'; reason: string };

export interface HostingFacts {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  exists: (file: string) => boolean;
}

export const SERVICE_SOCKET_FILES = ['control-operator.sock', 'control-viewer.sock'] as const;

/** Where an installed service leaves its mark, per platform, and its data dir. */
export function serviceMarkers(platform: NodeJS.Platform, env: HostingFacts['env']): { files: string[]; dataDir: string } | null {
  if (platform === 'linux') {
    // Written by `tya-agent service install`, or shipped by the Debian/RPM package.
    return { files: ['/etc/systemd/system/tya-agent.service', '/lib/systemd/system/tya-agent.service', '/usr/lib/systemd/system/tya-agent.service'], dataDir: '/var/lib/tya-agent' };
  }
  if (platform === 'win32') {
    const dataDir = path.win32.join(env.ProgramData ?? 'C:\\ProgramData', 'TYA Sync Agent');
    return { files: [path.win32.join(dataDir, 'service', 'tya-agent.xml')], dataDir };
  }
  return null;
}

export function decideAgentHosting(facts: HostingFacts): AgentHosting {
  // An explicit choice wins: TYA_AGENT_SERVICE=0 hosts an agent even beside a service (a second, separate installation).
  if (facts.env.TYA_AGENT_SERVICE === '0') return { mode: 'host-own-agent', reason: 'TYA_AGENT_SERVICE=0 asks the app to host its own agent' };
  const markers = serviceMarkers(facts.platform, facts.env);
  const evidence = markers?.files.find((file) => facts.exists(file));
  if (markers !== null && (evidence !== undefined || facts.env.TYA_AGENT_SERVICE === '1')) {
    return {
      mode: 'connect-to-service',
      dataDir: facts.env.TYA_DATA_DIR ?? markers.dataDir,
      socketFiles: facts.platform === 'win32' ? [] : SERVICE_SOCKET_FILES,
      evidence: evidence ?? 'TYA_AGENT_SERVICE=1',
    };
  }
  return {
    mode: 'host-own-agent',
    reason: markers === null ? `no agent service exists on ${facts.platform}` : `no agent service is installed (none of ${markers.files.join(', ')})`,
  };
}
