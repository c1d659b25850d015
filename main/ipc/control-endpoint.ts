/**
 * Where the tray reaches the agent: the admin socket when this user may connect to it (the tray
 * runs as the agent's user, or the agent runs inside the app), else the token in control.json.
 * The file names match agents/control/role-sockets.ts (main/ may not import agents internals).
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlEndpoint } from './control-backend.ts';

export const ADMIN_SOCKET_FILE = 'control-admin.sock';

/** `socketFiles`: the admin socket by default; an installed service's operator and viewer sockets for the tray beside it. */
export function controlEndpoint(dataDir: string, socketFiles: readonly string[] = [ADMIN_SOCKET_FILE]): ControlEndpoint | null {
  for (const socketFile of socketFiles) {
    const socketPath = path.join(dataDir, socketFile);
    if (process.platform === 'win32' || !existsSync(socketPath)) continue;
    try {
      accessSync(socketPath, constants.W_OK);
      return { socketPath };
    } catch {
      // Not allowed on this one: the next, then the token, if this user can read it.
    }
  }
  try {
    const file = JSON.parse(readFileSync(path.join(dataDir, 'control.json'), 'utf8')) as { port: number; token: string };
    return { url: `http://127.0.0.1:${file.port}`, token: file.token };
  } catch {
    return null;
  }
}
