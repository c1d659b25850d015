/**
 * Whether a fetched file may be moved or deleted on the bank's server (afterImport): only once the
 * folder source imported it, the cloud holds its original, and every record read from it reached the
 * cloud. A file with a record the cloud refused or a record in quarantine stays on the server for
 * good, so the bank's copy is there when a person sorts it out; one whose records are still on their
 * way waits for the next poll. The same answer is shown on the Exchange screen and by `tya-agent sftp list`.
 */
import type { SftpFetchState } from '../../api/index.ts';
import type { StoredFileInfo } from '../../outbox/file-store.ts';
import type { FetchedFile } from './sftp-ledger.ts';

/** What afterImport needs to know of a file (Outbox.fileInfo). */
export type FileImportInfo = Pick<StoredFileInfo, 'importedAt' | 'uploadState' | 'records'>;

export type AfterImportReadiness =
  | { ready: true }
  /** `waiting`: not imported yet; `delivering`: its records or original are on their way; `kept`: a record was refused or quarantined. */
  | { ready: false; state: 'waiting' | 'delivering' | 'kept'; reason: string };

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function afterImportReadiness(info: FileImportInfo | undefined): AfterImportReadiness {
  if (info?.importedAt == null) return { ready: false, state: 'waiting', reason: 'waiting for the folder source to import it' };
  const { inFlight, rejected, quarantined, notSent } = info.records;
  const kept: string[] = [];
  if (rejected > 0) kept.push(`${plural(rejected, 'record', 'records')} rejected by the cloud (tya-agent dlq list)`);
  if (quarantined > 0) kept.push(`${plural(quarantined, 'record', 'records')} in quarantine (tya-agent quarantine list)`);
  if (notSent > 0) kept.push(`${plural(notSent, 'quarantined record', 'quarantined records')} discarded or superseded, never sent`);
  if (info.uploadState === 'failed') kept.push('its original could not be uploaded');
  if (kept.length > 0) return { ready: false, state: 'kept', reason: `kept: ${kept.join('; ')}` };
  if (inFlight > 0) {
    return { ready: false, state: 'delivering', reason: `waiting for delivery: ${plural(inFlight, 'record', 'records')} not yet accepted by the cloud` };
  }
  if (info.uploadState !== 'uploaded') return { ready: false, state: 'delivering', reason: 'waiting for delivery: its original is not uploaded yet' };
  return { ready: true };
}

/**
 * A fetched file's state for the Exchange screen and `tya-agent sftp list`, with why it is still on
 * the server; `info` is asked only for a file the ledger does not settle by itself.
 */
export function fetchedFileState(
  file: Pick<FetchedFile, 'localName' | 'afterImport'>,
  info: () => FileImportInfo | undefined,
): { state: SftpFetchState; reason: string | null } {
  // The puller records a same-content file with no local name: it was not put in the folder again.
  if (file.localName === '') return { state: 'duplicate', reason: null };
  if (file.afterImport === 'deleted') return { state: 'deleted', reason: null };
  if (file.afterImport?.startsWith('moved:') === true) return { state: 'moved', reason: null };
  // The judgement afterImport makes; with `keep` it tells whether everything arrived.
  const readiness = afterImportReadiness(info());
  return readiness.ready ? { state: 'imported', reason: null } : { state: readiness.state, reason: readiness.reason };
}
