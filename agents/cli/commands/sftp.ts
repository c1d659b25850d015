/**
 * `tya-agent sftp check <name>`: connects to a configured SFTP server (host key checked against the
 * pin, credential from the keychain) and lists its pull and push folders, so IT can test a bank
 * connection before the agent relies on it. `tya-agent sftp list`: what was fetched and pushed, each
 * fetched file with its state (read from the outbox, read-only) and why it is still on the server.
 */
import { existsSync } from 'node:fs';
import type { SFTPWrapper } from 'ssh2';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { installationSecrets } from './installation-secrets.ts';
import { openSftp, SftpHostKeyError } from '../../exchange/sftp/sftp-connection.ts';
import { SftpLedger } from '../../exchange/sftp/sftp-ledger.ts';
import { fetchedFileState } from '../../exchange/sftp/after-import-readiness.ts';
import { dataDirLayout } from '../../engine/data-dir.ts';
import { Outbox } from '../../outbox/index.ts';
import { systemClock } from '../../pipeline/clock.ts';

function listDir(sftp: SFTPWrapper, dir: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    sftp.readdir(dir, (error, entries) =>
      error ? reject(new Error(`cannot list ${dir}: ${error.message}`)) : resolve(entries.map((e) => `${e.filename}  ${e.attrs.size} bytes`))),
  );
}

export async function sftpCheckCommand(name: string, options: { config?: string }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const servers = loaded.config.exchange?.sftp ?? [];
  const server = servers.find((s) => s.name === name);
  if (server === undefined) {
    throw new CliError(ExitCode.usage, 'sftp_unknown', `No SFTP server named "${name}" in ${loaded.file} (exchange.sftp[].name); configured: ${servers.map((s) => s.name).join(', ') || 'none'}.`);
  }
  const secret = await installationSecrets(loaded)
    .resolver.resolve(server.secret.secretRef)
    .catch((error: unknown) => {
      const hint = (error as { hint?: unknown }).hint;
      throw new CliError(ExitCode.keychain, 'sftp_secret', error instanceof Error ? error.message : String(error), typeof hint === 'string' ? { hint } : {});
    });
  let session;
  try {
    session = await openSftp(server, secret);
  } catch (error) {
    if (error instanceof SftpHostKeyError) throw new CliError(ExitCode.config, 'sftp_host_key', error.message);
    throw new CliError(ExitCode.cloud, 'sftp_connect', error instanceof Error ? error.message : String(error));
  }
  try {
    io.out(`Connected to ${server.name} (${server.host}:${server.port}) as ${server.user}; host key ${server.hostKey ?? ''} matches the pin.`);
    for (const [what, dir] of [['pull', server.pull?.remoteDir], ['push', server.push?.remoteDir]] as const) {
      if (dir === undefined) continue;
      const entries = await listDir(session.sftp, dir);
      io.out(`${what} folder ${dir}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`);
      for (const line of entries.slice(0, 50)) io.out(`  ${line}`);
    }
    return ExitCode.ok;
  } finally {
    session.close();
  }
}

export function sftpListCommand(options: { config?: string; json?: boolean }, io: CliIo): ExitCodeValue {
  const loaded = resolveConfig(options.config);
  const ledger = new SftpLedger(loaded.dataDir);
  const outboxFile = dataDirLayout(loaded.dataDir).outbox;
  const outbox = existsSync(outboxFile) ? Outbox.openReadonly(outboxFile, systemClock) : null;
  try {
    const fetched = ledger.fetched().map((f) => ({ ...f, ...fetchedFileState(f, () => outbox?.fileInfo(f.sha256)) }));
    const pushed = ledger.allPushed();
    if (options.json) {
      io.out(JSON.stringify({ fetched, pushed }, null, 2));
      return ExitCode.ok;
    }
    io.out(`Fetched (${fetched.length}):`);
    for (const f of fetched) {
      const what = f.localName === '' ? 'same content as an earlier file: not delivered again' : `-> ${f.localName}`;
      io.out(`  ${f.fetchedAt}  ${f.server}:${f.remotePath}  ${f.size} bytes  ${f.sha256.slice(0, 12)}…  ${what}  [${f.state}]${f.afterImport ? `  (${f.afterImport})` : ''}`);
      if (f.reason !== null) io.out(`      ${f.reason}`);
    }
    io.out(`Pushed (${pushed.length}):`);
    for (const p of pushed) io.out(`  ${p.pushedAt}  ${p.target}:${p.remotePath}  ${p.sha256.slice(0, 12)}…`);
    return ExitCode.ok;
  } finally {
    outbox?.close();
    ledger.close();
  }
}
