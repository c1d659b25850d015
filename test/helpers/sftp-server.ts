/**
 * A real OpenSSH server for the SFTP exchange tests: its own sshd on a free loopback port, a throwaway
 * host key and client key in a temp dir, root login by key only (tests run as root on CI, and
 * `PermitRootLogin prohibit-password` avoids depending on useradd). Returns null with a reason when
 * sshd cannot run here, so the test can print one line and skip.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

const SSHD = '/usr/sbin/sshd';

export interface SftpTestServer {
  port: number;
  user: string;
  /** The client's private key (OpenSSH PEM) that the server accepts. */
  privateKey: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). */
  hostKeyFingerprint: string;
  /** A directory on the server the tests may use (absolute: the server runs without chroot). */
  root: string;
  /** Kills sshd and every session it forked (a dropped connection). */
  kill(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export function sftpSkipReason(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (scripts/setup.sh installs openssh-server)`;
  if (process.getuid?.() !== 0) return 'the sshd harness runs sshd as root (tests run as root on CI)';
  return null;
}

export async function startSftpServer(): Promise<SftpTestServer | null> {
  const reason = sftpSkipReason();
  if (reason !== null) {
    console.log(`skipping SFTP tests: ${reason}`);
    return null;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-sshd-'));
  const root = path.join(dir, 'files');
  mkdirSync(root);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  const hostKeyFingerprint = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(' ')[1] ?? '';
  // sshd refuses to start without its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true });
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let stderr = '';
  const start = async (): Promise<boolean> => {
    child = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    return waitForPort(port, 5000);
  };
  const kill = async (): Promise<void> => {
    const current = child;
    child = null;
    if (current === null || current.exitCode !== null) return;
    // Sessions are forked children of sshd: kill them too, or the "dropped connection" stays up.
    try { execFileSync('pkill', ['-KILL', '-P', String(current.pid)]); } catch { /* no sessions */ }
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  if (!(await start())) {
    await kill();
    console.log(`skipping SFTP tests: sshd did not start: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    port,
    user: os.userInfo().username,
    privateKey: readFileSync(path.join(dir, 'client_key'), 'utf8'),
    hostKeyFingerprint,
    root,
    kill,
    restart: async () => {
      await kill();
      if (!(await start())) throw new Error(`sshd did not restart: ${stderr}`);
    },
    close: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
