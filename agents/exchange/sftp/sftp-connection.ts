/**
 * One SFTP session to a configured server: authentication from the keychain and the server's host key
 * checked against the pinned fingerprint before any credential is sent.
 */
import { createHash } from 'node:crypto';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import type { SftpServerConfig } from '../../api/sftp-config.ts';

export interface SftpSession {
  sftp: SFTPWrapper;
  close(): void;
}

/** The fingerprint `ssh-keygen -lf` prints for a host key blob: SHA256 + unpadded base64. */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export function hostKeyProblem(server: Pick<SftpServerConfig, 'name' | 'hostKey'>, seen: string): string | null {
  if (server.hostKey === undefined) {
    return (
      `SFTP server "${server.name}" has no pinned host key; the server presented ${seen}. Check this fingerprint with ` +
      `the bank (by phone or their documentation), then set exchange.sftp[name=${server.name}].hostKey to "${seen}" in the config.`
    );
  }
  if (server.hostKey !== seen) {
    return (
      `SFTP server "${server.name}" presented host key ${seen}, but the config pins ${server.hostKey}. Refusing to connect: ` +
      `this is either a changed server key or someone in between. Confirm the new key with the bank, then update ` +
      `exchange.sftp[name=${server.name}].hostKey to the new fingerprint.`
    );
  }
  return null;
}

export class SftpHostKeyError extends Error {
  override readonly name = 'SftpHostKeyError';
}

export async function openSftp(server: SftpServerConfig, secret: string, timeoutMs = 20_000): Promise<SftpSession> {
  const client = new Client();
  let refusal: string | null = null;
  const options: ConnectConfig = {
    host: server.host,
    port: server.port,
    username: server.user,
    readyTimeout: timeoutMs,
    hostVerifier: (key: Buffer) => {
      refusal = hostKeyProblem(server, hostKeyFingerprint(key));
      return refusal === null;
    },
    ...(server.auth === 'key' ? { privateKey: secret } : { password: secret }),
  };
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error: Error) => {
      if (refusal !== null) reject(new SftpHostKeyError(refusal));
      // The ssh2 message may echo connection details but never the secret.
      else reject(new Error(`SFTP server "${server.name}" (${server.host}:${server.port}): ${error.message}`));
    });
    client.connect(options);
  });
  // A later socket error (dropped connection) must not crash the process: the transfer sees it.
  client.on('error', () => undefined);
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
    client.sftp((error, wrapper) => (error ? reject(error) : resolve(wrapper)));
  }).catch((error: unknown) => {
    client.end();
    throw error;
  });
  return { sftp, close: () => client.end() };
}
