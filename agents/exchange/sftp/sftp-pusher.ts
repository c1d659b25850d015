/**
 * SFTP push (`push-file`): bytes the cloud holds (already verified against their sha256) go to the
 * target's remote dir under a hidden temp name, then are renamed to the final name, so the bank's
 * importer never sees a partial payment file. Done once per (target, sha256).
 */
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { SftpServerConfig } from '../../api/sftp-config.ts';
import type { SftpLedger } from './sftp-ledger.ts';

export interface PushOutcome {
  remotePath: string;
  /** True when this (target, sha256) had already been pushed: nothing was sent again. */
  already: boolean;
}

/** A file name, not a path: the cloud must not choose where on the bank's server a file lands. */
export function checkRemoteName(name: string): string {
  if (!/^[^/\\\0]{1,200}$/.test(name) || name === '.' || name === '..' || name.startsWith('.')) {
    throw new Error(`push-file name "${name}" is not a plain file name (no slashes, not hidden, 1-200 characters)`);
  }
  return name;
}

function call(fn: (cb: (error?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
}

export async function pushFile(
  server: SftpServerConfig,
  sftp: SFTPWrapper,
  ledger: SftpLedger,
  file: { sha256: string; name: string; bytes: Uint8Array },
  now: () => Date = () => new Date(),
): Promise<PushOutcome> {
  const push = server.push;
  if (push === undefined) throw new Error(`SFTP server "${server.name}" has no push section (exchange.sftp[].push.remoteDir)`);
  const done = ledger.pushed(server.name, file.sha256);
  if (done !== null) return { remotePath: done.remotePath, already: true };
  const name = checkRemoteName(file.name);
  const finalPath = path.posix.join(push.remoteDir, name);
  const tempPath = path.posix.join(push.remoteDir, `.${name}.${file.sha256.slice(0, 12)}.partial`);
  await call((cb) => sftp.writeFile(tempPath, Buffer.from(file.bytes), cb));
  // OpenSSH's rename refuses an existing target; a leftover from an earlier attempt of the same content
  // is replaced via posix-rename where the server offers it.
  await call((cb) => sftp.ext_openssh_rename(tempPath, finalPath, cb)).catch(() => call((cb) => sftp.rename(tempPath, finalPath, cb)));
  ledger.recordPushed({ target: server.name, sha256: file.sha256, name, remotePath: finalPath, pushedAt: now().toISOString() });
  return { remotePath: finalPath, already: false };
}
