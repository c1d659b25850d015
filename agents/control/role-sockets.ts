/**
 * The control API on local sockets whose file permissions decide the caller's role (issue 12,
 * item 5). Node has no peer-credential API (SO_PEERCRED), so, like Docker's socket and its
 * `docker` group, the kernel's permission check on connect() is the authentication:
 * - control-admin.sock    0600, the agent's user (and root);
 * - control-operator.sock 0660, group = config control.operatorGroup (chown'd; the installer
 *   creates the group and adds the installing user); unset, 0600: the agent's primary group may
 *   be everyone's (macOS's `staff`), so without a named group only the agent's user is operator;
 * - control-viewer.sock   0666, every local user.
 * Connecting needs search permission on the folder, so the data folder is 0711 while the sockets
 * exist (others can reach a name they know, but cannot list it), and every file in it stays 0600.
 * The sockets are created while the folder is still 0700 and only then is it opened to 0711, so
 * nobody can connect in the moment between bind() and chmod(). Windows named pipes with ACLs are a
 * design note in docs/control-api.md; on Windows no sockets are made and the TCP token serves.
 */
import { chmodSync, chownSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { nodeHttp } from '../pipeline/node-http.ts';
import path from 'node:path';
import type { Logger } from '../telemetry/logger.ts';
import { ROLES, type Role } from './roles.ts';

export const ROLE_SOCKET_FILES: Record<Role, string> = {
  admin: 'control-admin.sock',
  operator: 'control-operator.sock',
  viewer: 'control-viewer.sock',
};

const SOCKET_MODES: Record<Role, number> = { admin: 0o600, operator: 0o660, viewer: 0o666 };

/** The data folder while sockets are up: others may pass through to a socket, not list or read. */
export const DATA_DIR_MODE_WITH_SOCKETS = 0o711;

/** sun_path holds 108 bytes on Linux (104 on macOS), terminator included. */
const MAX_SOCKET_PATH_BYTES = 103;

export function roleSocketPath(dataDir: string, role: Role): string {
  return path.join(dataDir, ROLE_SOCKET_FILES[role]);
}

export interface RoleSocketsOptions {
  dataDir: string;
  operatorGroup?: string;
  logger: Logger;
  handler(role: Role): (request: IncomingMessage, response: ServerResponse) => void;
}

export interface RoleSockets {
  /** The roles that have a listening socket. */
  roles: Role[];
  close(): Promise<void>;
}

export async function listenRoleSockets(options: RoleSocketsOptions): Promise<RoleSockets> {
  const { dataDir } = options;
  if (process.platform === 'win32') return { roles: [], close: async () => {} };
  const servers: Listening[] = [];
  chmodSync(dataDir, 0o700);
  try {
    await listenEach(options, servers);
  } catch (error) {
    // Half a set of sockets is worse than none: close what listens, and let the token serve.
    await closeAll(servers);
    throw error;
  }
  if (servers.length > 0) chmodSync(dataDir, DATA_DIR_MODE_WITH_SOCKETS);
  return {
    roles: servers.map((s) => s.role),
    async close() {
      await closeAll(servers);
      try {
        chmodSync(dataDir, 0o700);
      } catch {
        // The folder went away meanwhile: nothing to close up.
      }
    },
  };
}

interface Listening {
  role: Role;
  server: Server;
  file: string;
}

async function listenEach(options: RoleSocketsOptions, servers: Listening[]): Promise<void> {
  const { dataDir, logger } = options;
  for (const role of ROLES) {
    const file = roleSocketPath(dataDir, role);
    if (Buffer.byteLength(file) > MAX_SOCKET_PATH_BYTES) {
      logger.warn({ file }, `The ${role} socket path is too long for a local socket, so there is none; the CLI uses the control token instead (a shorter agent.dataDir fixes this).`);
      continue;
    }
    // The data folder lock is ours, so a socket file here is a dead agent's leftover.
    rmSync(file, { force: true });
    const server = nodeHttp.createServer(options.handler(role));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
    servers.push({ role, server, file });
    chmodSync(file, role === 'operator' && options.operatorGroup === undefined ? 0o600 : SOCKET_MODES[role]);
    if (role === 'operator') giveToOperatorGroup(file, options.operatorGroup, logger);
  }
}

async function closeAll(servers: readonly Listening[]): Promise<void> {
  await Promise.all(
    servers.map(
      ({ server, file }) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          rmSync(file, { force: true });
        }),
    ),
  );
}

function giveToOperatorGroup(file: string, group: string | undefined, logger: Logger): void {
  if (group === undefined) return;
  const gid = groupId(group);
  if (gid === null) {
    logger.warn({ group }, `control.operatorGroup names "${group}", which is not a group on this computer: the operator socket stays with the agent's own group. Create the group (groupadd ${group}) and restart the agent.`);
    return;
  }
  try {
    chownSync(file, -1, gid);
  } catch (error) {
    logger.warn({ group, errorType: (error as NodeJS.ErrnoException).code }, `Could not give the operator socket to the group "${group}": the agent's user must be a member of it (usermod -aG ${group} <agent user>).`);
  }
}

/** The numeric id of a group from /etc/group (Node has no getgrnam); null when there is no such group. */
export function groupId(name: string, groupFile = '/etc/group'): number | null {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [groupName, , gid] = line.split(':');
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}
