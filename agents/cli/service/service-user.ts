/**
 * The dedicated system user the service runs as: looked up with getent, created with useradd
 * (system account, no login shell, home = the data dir). Injectable so tests can use their own name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ServiceAccount {
  name: string;
  uid: number;
  gid: number;
}

export interface ServiceUsers {
  lookup(name: string): ServiceAccount | null;
  /** Creates a system user with its own group, no login shell, `home` as home (not created). */
  create(name: string, home: string): ServiceAccount;
  remove(name: string): void;
}

const NOLOGIN = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false'].find((shell) => existsSync(shell)) ?? '/usr/sbin/nologin';

export const systemUsers: ServiceUsers = {
  lookup(name) {
    let line: string;
    try {
      line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
    const [, , uid, gid] = line.split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  },
  create(name, home) {
    execFileSync('useradd', ['--system', '--user-group', '--home-dir', home, '--no-create-home', '--shell', NOLOGIN, '--comment', 'TYA Sync Agent service', name], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const account = this.lookup(name);
    if (account === null) throw new Error(`useradd reported success but the user ${name} cannot be found.`);
    return account;
  },
  remove(name) {
    execFileSync('userdel', [name], { stdio: ['ignore', 'ignore', 'pipe'] });
  },
};
