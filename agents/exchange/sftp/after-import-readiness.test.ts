/**
 * The afterImport judgement on every combination the outbox can report: only a file imported, uploaded
 * and with every record delivered may be moved; a refusal or a quarantined record keeps it, whatever
 * else is still on its way, and the reason names the command that shows the records.
 */
import { describe, expect, it } from 'vitest';
import type { FileRecords } from '../../outbox/file-records.ts';
import { afterImportReadiness, fetchedFileState, type FileImportInfo } from './after-import-readiness.ts';

const NONE: FileRecords = { inFlight: 0, rejected: 0, quarantined: 0, notSent: 0 };
const info = (records: Partial<FileRecords> = {}, rest: Partial<FileImportInfo> = {}): FileImportInfo => ({
  importedAt: '2026-12-06T20:00:00.000Z',
  uploadState: 'uploaded',
  records: { ...NONE, ...records },
  ...rest,
});

describe('afterImport readiness', () => {
  it('is ready only when imported, uploaded and nothing of the file is in flight, refused or quarantined', () => {
    expect(afterImportReadiness(info())).toEqual({ ready: true });
    expect(afterImportReadiness(undefined)).toMatchObject({ ready: false, state: 'waiting' });
    expect(afterImportReadiness(info({}, { importedAt: null }))).toMatchObject({ ready: false, state: 'waiting' });
    expect(afterImportReadiness(info({ inFlight: 2 }))).toEqual({ ready: false, state: 'delivering', reason: 'waiting for delivery: 2 records not yet accepted by the cloud' });
    expect(afterImportReadiness(info({}, { uploadState: 'pending' }))).toEqual({ ready: false, state: 'delivering', reason: 'waiting for delivery: its original is not uploaded yet' });
  });

  it('keeps a file with a refused, quarantined or never-sent record even while others are still on their way', () => {
    expect(afterImportReadiness(info({ inFlight: 4, rejected: 1 }))).toEqual({ ready: false, state: 'kept', reason: 'kept: 1 record rejected by the cloud (tya-agent dlq list)' });
    expect(afterImportReadiness(info({ quarantined: 3 }))).toEqual({ ready: false, state: 'kept', reason: 'kept: 3 records in quarantine (tya-agent quarantine list)' });
    expect(afterImportReadiness(info({ notSent: 1 }))).toEqual({ ready: false, state: 'kept', reason: 'kept: 1 quarantined record discarded or superseded, never sent' });
    expect(afterImportReadiness(info({ rejected: 2, quarantined: 1 }, { uploadState: 'failed' }))).toEqual({
      ready: false,
      state: 'kept',
      reason: 'kept: 2 records rejected by the cloud (tya-agent dlq list); 1 record in quarantine (tya-agent quarantine list); its original could not be uploaded',
    });
  });

  it('shows what the ledger settles without asking the outbox', () => {
    const never = () => {
      throw new Error('the outbox was asked');
    };
    expect(fetchedFileState({ localName: '', afterImport: null }, never)).toEqual({ state: 'duplicate', reason: null });
    expect(fetchedFileState({ localName: 'a.xml', afterImport: 'moved:/done/a.xml' }, never)).toEqual({ state: 'moved', reason: null });
    expect(fetchedFileState({ localName: 'a.xml', afterImport: 'deleted' }, never)).toEqual({ state: 'deleted', reason: null });
    expect(fetchedFileState({ localName: 'a.xml', afterImport: null }, () => info())).toEqual({ state: 'imported', reason: null });
  });
});
