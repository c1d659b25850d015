/**
 * Uploads the originals of ingested files (`PUT /v1/files/{sha256}`), lane by lane, ahead of that
 * lane's batches: the deliverer asks for due uploads before it forms the next batch, so a file's
 * original normally reaches the cloud before the records that reference it. All state (pending,
 * attempts, next attempt) is in the outbox, so an upload cut short by a crash is simply repeated;
 * the cloud stores by content hash, so repeating it is harmless (exactly once in effect).
 * A failing upload never holds records back: it waits for its own retry time.
 */
import type { Lane } from '../api/records.ts';
import type { PendingFileUpload } from '../outbox/file-store.ts';
import type { Clock } from '../pipeline/clock.ts';
import { AgentError, BackOffError, NotConnectedError, describeError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { nextWaitMs } from './backoff.ts';
import type { FileMeta, PutFileResult, RequestOptions } from './cloud-client.ts';
import type { StreamedBody } from './http-exchange.ts';

export interface FileUploadOutbox {
  nextFileUpload(lane: Lane): PendingFileUpload | undefined;
  /** The stored original piece by piece (it may be a gigabyte: never whole in memory). */
  fileChunks(sha256: string): Iterable<Buffer>;
  fileUploaded(sha256: string): void;
  fileUploadFailed(sha256: string, failure: { nextAttemptAt: number; error: { code: string; message: string }; permanent: boolean }): void;
  nextFileAttemptAt(): number | null;
  raiseAlert(alert: { code: string; severity: 'warning' | 'critical'; message: string }): void;
}

export interface FilePutter {
  putFile(sha256: string, body: StreamedBody, meta: FileMeta, options?: RequestOptions): Promise<PutFileResult>;
}

export interface FileUploaderOptions {
  outbox: FileUploadOutbox;
  client: FilePutter;
  clock: Clock;
  random: () => number;
  retry: { baseMs: number; maxMs: number };
  logger: Logger;
  /** The books a source's originals belong to (files are kept per entity in the cloud). */
  entityOf: (source: string) => string;
}

/** Delivery stops for these anyway (the batch path halts); the file waits, it is not given up. */
const HALTING = new Set(['agent_revoked', 'upgrade_required']);

export class FileUploader {
  readonly #o: FileUploaderOptions;

  constructor(options: FileUploaderOptions) {
    this.#o = options;
  }

  /** Uploads the lane's next due file, if any; true when it tried one. */
  async uploadDue(lane: Lane, signal: AbortSignal): Promise<boolean> {
    const file = this.#o.outbox.nextFileUpload(lane);
    if (file === undefined || signal.aborted) return false;
    try {
      const result = await this.#o.client.putFile(
        file.sha256,
        { bytes: file.bytes, sha256: file.sha256, chunks: () => this.#o.outbox.fileChunks(file.sha256) },
        { fileName: file.name, source: file.source, contentType: file.contentType, entity: this.#o.entityOf(file.source) },
        { signal },
      );
      if (signal.aborted) return true;
      this.#o.outbox.fileUploaded(file.sha256);
      this.#o.logger.info(
        { sha256: file.sha256, bytes: file.bytes, lane },
        `Uploaded the original of ${file.name} (${result.created ? 'new to the cloud' : 'the cloud already had it'}).`,
      );
    } catch (error) {
      // Aborted by stop(): the upload is repeated next time (same content, same hash).
      if (signal.aborted) return true;
      this.#failed(file, error);
    }
    return true;
  }

  nextAttemptAt(): number | null {
    return this.#o.outbox.nextFileAttemptAt();
  }

  #failed(file: PendingFileUpload, error: unknown): void {
    const { code, message } = describeError(error);
    const retryable = error instanceof NotConnectedError || error instanceof BackOffError || HALTING.has(code) || !(error instanceof AgentError);
    const hint = error instanceof BackOffError ? error.waitMs : undefined;
    const waitMs = nextWaitMs({ baseMs: this.#o.retry.baseMs, capMs: this.#o.retry.maxMs }, file.attempts, this.#o.random, hint);
    this.#o.outbox.fileUploadFailed(file.sha256, { nextAttemptAt: this.#o.clock.now() + waitMs, error: { code, message }, permanent: !retryable });
    if (retryable) {
      this.#o.logger.warn(
        { sha256: file.sha256, attempts: file.attempts + 1, waitMs, errorType: code, stage: 'file-upload' },
        `Could not upload the original of ${file.name}, will try again in ${Math.ceil(waitMs / 1000)} s: ${message}`,
      );
      return;
    }
    this.#o.logger.error({ sha256: file.sha256, errorType: code, stage: 'file-upload' }, `The cloud refused the original of ${file.name}: ${message}`);
    this.#o.outbox.raiseAlert({
      code: `file_upload_failed:${file.sha256.slice(0, 16)}`,
      severity: 'warning',
      message: `The original of ${file.name} could not be uploaded: ${message} Its records were sent; the original is kept in the agent's queue for support.`,
    });
  }
}

/** The uploader for a deliverer, when its outbox and client can handle files (both optional there). */
export function fileUploaderFor(
  options: {
    outbox: Partial<FileUploadOutbox>;
    client: Partial<FilePutter>;
    clock: Clock;
    random: () => number;
    retry: { baseMs: number; maxMs: number };
    entity: string;
    routing?: { entityOf(source: string): string | undefined } | undefined;
  },
  logger: Logger,
): FileUploader | undefined {
  const { outbox, client } = options;
  if (
    outbox.nextFileUpload === undefined ||
    outbox.fileChunks === undefined ||
    outbox.fileUploaded === undefined ||
    outbox.fileUploadFailed === undefined ||
    outbox.nextFileAttemptAt === undefined ||
    client.putFile === undefined
  ) {
    return undefined;
  }
  return new FileUploader({
    outbox: outbox as FileUploadOutbox,
    client: client as FilePutter,
    clock: options.clock,
    random: options.random,
    retry: { baseMs: options.retry.baseMs, maxMs: options.retry.maxMs },
    logger,
    entityOf: (source) => options.routing?.entityOf(source) ?? options.entity,
  });
}
