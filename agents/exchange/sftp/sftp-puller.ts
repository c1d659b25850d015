/**
 * SFTP pull: lists a bank's remote directory, fetches each new, stable file into the local folder a
 * folder source watches (temp name the folder source ignores, fsync, rename), and remembers it so it
 * is never fetched twice. Parsing, quarantine and upload stay with the folder source.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { SftpPullConfig, SftpServerConfig } from '../../api/sftp-config.ts';
import { afterImportReadiness, type FileImportInfo } from './after-import-readiness.ts';
import { downloadResumable, publishAtomically, sha256OfFile } from './sftp-download.ts';
import type { SftpLedger } from './sftp-ledger.ts';

export interface RemoteEntry {
  name: string;
  remotePath: string;
  size: number;
  mtime: number;
}

export interface PullReport {
  fetched: string[];
  /** Same content as a file fetched before (renamed or touched on the server): not delivered again. */
  sameContent: string[];
  /** Still changing between the two listings: next poll. */
  unstable: string[];
  bytesTransferred: number;
  /** Moved or deleted on the server this poll. */
  afterImport: string[];
  /** Left on the server, and why: not imported yet, records on their way, or a record refused or quarantined. */
  afterImportWaiting: Array<{ remotePath: string; state: 'waiting' | 'delivering' | 'kept'; reason: string }>;
}

export interface PullOptions {
  /** Time between the two listings that prove a file is no longer being written. */
  settleMs?: number;
  now?: () => Date;
  /** The outbox's knowledge of a file and its records by content (Outbox.fileInfo), for afterImport move/delete. */
  fileInfo?: (sha256: string) => FileImportInfo | undefined;
}

async function list(sftp: SFTPWrapper, pull: SftpPullConfig): Promise<Map<string, RemoteEntry>> {
  const pattern = new RegExp(pull.pattern);
  const entries = await new Promise<{ filename: string; attrs: { size: number; mtime: number; mode: number } }[]>((resolve, reject) =>
    sftp.readdir(pull.remoteDir, (error, list) => (error ? reject(new Error(`cannot list ${pull.remoteDir} on the server: ${error.message}`)) : resolve(list))),
  );
  const out = new Map<string, RemoteEntry>();
  for (const e of entries) {
    // Regular files only (S_IFREG); the bank's own temp names are excluded by the pattern.
    if ((e.attrs.mode & 0o170000) !== 0o100000 || !pattern.test(e.filename)) continue;
    const remotePath = path.posix.join(pull.remoteDir, e.filename);
    out.set(remotePath, { name: e.filename, remotePath, size: e.attrs.size, mtime: e.attrs.mtime });
  }
  return out;
}

/** The temp name: hidden and `.partial`, both of which the folder source ignores; stable per remote path so it resumes. */
export function tempNameFor(server: string, remotePath: string): string {
  return `.sftp-${server}-${createHash('sha256').update(remotePath).digest('hex').slice(0, 16)}.partial`;
}

function freeName(folder: string, name: string): string {
  if (!existsSync(path.join(folder, name))) return name;
  const ext = path.extname(name);
  for (let i = 1; ; i++) {
    const candidate = `${path.basename(name, ext)} (${i})${ext}`;
    if (!existsSync(path.join(folder, candidate))) return candidate;
  }
}

export async function pullOnce(
  server: SftpServerConfig,
  sftp: SFTPWrapper,
  ledger: SftpLedger,
  options: PullOptions = {},
): Promise<PullReport> {
  const pull = server.pull;
  if (pull === undefined) throw new Error(`SFTP server "${server.name}" has no pull section`);
  const now = options.now ?? (() => new Date());
  const report: PullReport = { fetched: [], sameContent: [], unstable: [], bytesTransferred: 0, afterImport: [], afterImportWaiting: [] };
  await fs.mkdir(pull.intoFolder, { recursive: true });
  const first = await list(sftp, pull);
  const fresh = [...first.values()].filter((e) => !ledger.seen(server.name, e.remotePath, e.size, e.mtime));
  if (fresh.length > 0) await new Promise((r) => setTimeout(r, options.settleMs ?? 2000));
  const second = fresh.length > 0 ? await list(sftp, pull) : first;
  for (const entry of fresh) {
    const again = second.get(entry.remotePath);
    if (again?.size !== entry.size || again.mtime !== entry.mtime) {
      report.unstable.push(entry.name);
      continue;
    }
    const temp = path.join(pull.intoFolder, tempNameFor(server.name, entry.remotePath));
    const { bytesTransferred } = await downloadResumable(sftp, entry.remotePath, entry.size, temp);
    report.bytesTransferred += bytesTransferred;
    const sha256 = await sha256OfFile(temp);
    const record = { server: server.name, remotePath: entry.remotePath, size: entry.size, mtime: entry.mtime, sha256, fetchedAt: now().toISOString() };
    if (ledger.hasHash(server.name, sha256)) {
      await fs.rm(temp, { force: true });
      ledger.recordFetched({ ...record, localName: '' });
      report.sameContent.push(entry.name);
      continue;
    }
    const localName = freeName(pull.intoFolder, entry.name);
    // Rename first, record second: a crash between them fetches the file again, and the folder
    // source drops the second copy by content hash; the other order could lose the file.
    await publishAtomically(temp, path.join(pull.intoFolder, localName));
    ledger.recordFetched({ ...record, localName });
    report.fetched.push(entry.name);
  }
  if (pull.afterImport !== 'keep' && options.fileInfo !== undefined) {
    await applyAfterImport(server.name, pull.afterImport, sftp, ledger, options.fileInfo, report);
  }
  return report;
}

/**
 * Move or delete on the server only a file the outbox shows as imported and uploaded, with every
 * record read from it accepted by the cloud (after-import-readiness.ts). Any other file stays on the
 * server; the report says why. A kept file is asked again at every poll: a person may replay its dead
 * letters or fix its quarantined records, and once those are delivered it is moved after all.
 */
async function applyAfterImport(
  server: string,
  policy: string,
  sftp: SFTPWrapper,
  ledger: SftpLedger,
  fileInfo: (sha256: string) => FileImportInfo | undefined,
  report: PullReport,
): Promise<void> {
  for (const file of ledger.awaitingAfterImport(server)) {
    const readiness = afterImportReadiness(fileInfo(file.sha256));
    if (!readiness.ready) {
      report.afterImportWaiting.push({ remotePath: file.remotePath, state: readiness.state, reason: readiness.reason });
      continue;
    }
    if (policy === 'delete') {
      await new Promise<void>((resolve, reject) => sftp.unlink(file.remotePath, (e) => (e ? reject(e) : resolve())));
      ledger.markAfterImport(file, 'deleted');
    } else {
      const target = path.posix.join(policy.slice('move:'.length), path.posix.basename(file.remotePath));
      await new Promise<void>((resolve, reject) => sftp.rename(file.remotePath, target, (e) => (e ? reject(e) : resolve())));
      ledger.markAfterImport(file, `moved:${target}`);
    }
    report.afterImport.push(file.remotePath);
  }
}
