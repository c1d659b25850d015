import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../pipeline/errors.ts';
import type { Outbox } from './outbox.ts';
import { ManualClock, makeRecords, makeTempDir, openTestOutbox, type TempDir } from './outbox-test-kit.ts';

let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock();
  outbox = openTestOutbox(tmp.path('outbox.db'), clock);
});
afterEach(() => {
  outbox.close();
  tmp.remove();
});

function writeFile(name: string, bytes: Buffer): { path: string; sha256: string } {
  const path = tmp.path(name);
  writeFileSync(path, bytes);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

describe('file store (originals awaiting upload, fingerprints)', () => {
  it('keeps a multi-chunk original byte for byte until it is uploaded, then only its fingerprint', () => {
    const bytes = randomBytes(2.5 * 1024 * 1024);
    const file = writeFile('big.xml', bytes);
    const stored = outbox.storeFile({
      ...file,
      source: 'bank',
      name: 'big.xml',
      contentType: 'application/xml',
      lane: 'bulk',
    });
    expect(stored).toBe('stored');
    expect(
      outbox.storeFile({ ...file, source: 'bank', name: 'again.xml', contentType: 'application/xml', lane: 'bulk' }),
    ).toBe('known');
    expect(outbox.fileInfo(file.sha256)).toMatchObject({
      name: 'big.xml',
      bytes: bytes.length,
      importedAt: null,
      uploadState: 'pending',
    });
    expect(outbox.nextFileUpload('urgent')).toBeUndefined();
    expect(outbox.nextFileUpload('bulk')).toMatchObject({ sha256: file.sha256, bytes: bytes.length, attempts: 0 });
    expect(outbox.fileContent(file.sha256).equals(bytes)).toBe(true);

    outbox.fileUploadFailed(file.sha256, {
      nextAttemptAt: clock.now() + 5000,
      error: { code: 'timeout', message: 'slow' },
      permanent: false,
    });
    expect(outbox.nextFileUpload('bulk')).toBeUndefined();
    expect(outbox.nextFileAttemptAt()).toBe(clock.now() + 5000);
    clock.advance(5000);
    expect(outbox.nextFileUpload('bulk')?.attempts).toBe(1);

    outbox.fileUploaded(file.sha256);
    expect(outbox.nextFileUpload('bulk')).toBeUndefined();
    expect(outbox.fileContent(file.sha256).length).toBe(0);
    outbox.markFileImported(file.sha256);
    const info = outbox.fileInfo(file.sha256);
    expect(info).toMatchObject({
      uploadState: 'uploaded',
      attempts: 2,
      lastError: null,
      importedAt: new Date(clock.now()).toISOString(),
    });
    clock.advance(1000);
    outbox.markFileImported(file.sha256);
    expect(outbox.fileInfo(file.sha256)?.importedAt).toBe(info?.importedAt);
  });

  it('stores nothing when the file no longer has the content that was hashed', () => {
    const file = writeFile('z.json', Buffer.from('{"zNumber": "1"}'));
    writeFileSync(file.path, '{"zNumber": "2"}');
    const error = (() => {
      try {
        outbox.storeFile({ ...file, source: 'tills', name: 'z.json', contentType: 'application/json', lane: 'urgent' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('file_changed');
    expect(outbox.fileInfo(file.sha256)).toBeUndefined();
    expect(outbox.nextFileUpload('urgent')).toBeUndefined();
  });

  it('says whether a record is still queued, was refused, or has gone to the cloud', () => {
    outbox.enqueue({
      source: 'tills',
      stream: 'shift_reports',
      lane: 'urgent',
      records: makeRecords('shift_reports', 1, 2),
      checkpoint: null,
    });
    expect(outbox.recordState('tills', 'shift_reports', { id: '1' })).toEqual({ state: 'queued' });
    const batch = outbox.nextBatch({ lane: 'urgent', maxRecords: 10, maxBytes: 1_000_000 })!;
    outbox.completeBatch(batch.batchId, {
      rejected: [{ index: 1, code: 'invalid', message: 'register unknown' }],
      staleIndexes: [],
    });
    expect(outbox.recordState('tills', 'shift_reports', { id: '1' })).toEqual({ state: 'gone' });
    expect(outbox.recordState('tills', 'shift_reports', { id: '2' })).toMatchObject({ state: 'dead-letter' });
  });
});
