/**
 * Voiding an imported file (issue 11): its records are deleted in the cloud through the contract's
 * delete records (cloud-api.md § Batches: op `delete`, key only). The records are read again from
 * the archived original with the same job that imported it, so the keys are exactly the ones sent;
 * each page is committed with the stream's checkpoint unchanged (a void moves no source position),
 * and a delete has one version per key, so a void repeated after a crash queues nothing twice.
 */
import type { JsonValue, SourceRecord } from '../../api/index.ts';
import type { Page } from './file-job.ts';

export function voidPage(page: Page, checkpoint: JsonValue | undefined, capturedAt: string): Page {
  return {
    stream: page.stream,
    records: page.records.map((record): SourceRecord => ({
      stream: record.stream,
      key: record.key,
      op: 'delete',
      capturedAt,
    })),
    checkpoint: checkpoint ?? null,
    last: page.last,
  };
}

export const HOLD_REJECTED = {
  reason: 'A person rejected this file on the Files screen; nothing of it was sent',
  hint: 'Put the file in the folder again if it should be imported after all: it will wait for approval again.',
};
