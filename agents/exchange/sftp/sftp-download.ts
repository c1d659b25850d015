/**
 * One remote file into a local temp file, resuming from the temp file's length after a dropped
 * connection (SFTP reads at an offset, so every OpenSSH server allows it); when the remote file no
 * longer matches what the temp file started from (smaller than the temp file), it starts over.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';

export interface DownloadResult {
  /** Bytes read from the server in this call (less than the size when it resumed). */
  bytesTransferred: number;
  resumedFrom: number;
}

export async function downloadResumable(sftp: SFTPWrapper, remotePath: string, size: number, tempPath: string): Promise<DownloadResult> {
  let start = await fs.stat(tempPath).then(
    (stat) => stat.size,
    () => 0,
  );
  if (start > size) {
    await fs.rm(tempPath, { force: true });
    start = 0;
  }
  let bytesTransferred = 0;
  if (start < size) {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytesTransferred += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(sftp.createReadStream(remotePath, { start }), counter, createWriteStream(tempPath, { flags: start > 0 ? 'a' : 'w' }));
  }
  const got = (await fs.stat(tempPath)).size;
  if (got !== size) throw new Error(`download of ${remotePath} ended at ${got} bytes, the server listed ${size}: it will be resumed on the next poll`);
  return { bytesTransferred, resumedFrom: start };
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** fsync the file, rename it into place, fsync the folder: the file appears whole or not at all. */
export async function publishAtomically(tempPath: string, finalPath: string): Promise<void> {
  const handle = await fs.open(tempPath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tempPath, finalPath);
  const dir = await fs.open(path.dirname(finalPath), 'r');
  try {
    await dir.sync().catch(() => undefined); // Windows cannot fsync a directory; the rename is still atomic.
  } finally {
    await dir.close();
  }
}
