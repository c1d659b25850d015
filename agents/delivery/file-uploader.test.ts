/**
 * Originals go up ahead of the records that reference them, failures wait for their own retry time
 * without holding records back, and a refusal becomes an alert. Real outbox file, scripted cloud.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchRequest } from '../api/cloud.ts';
import { Outbox } from '../outbox/index.ts';
import { systemClock } from '../pipeline/clock.ts';
import { BackOffError, PermanentError } from '../pipeline/errors.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import type { DeliveryOutcome } from './classify.ts';
import type { FileMeta, PutFileResult } from './cloud-client.ts';
import { Deliverer, type BatchPoster } from './deliverer.ts';
import type { StreamedBody } from './http-exchange.ts';

let dir: string;
let outbox: Outbox;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tya-uploader-'));
  outbox = Outbox.open({ path: join(dir, 'outbox.db'), maxBytes: 10_000_000, synchronous: 'NORMAL', clock: systemClock });
});
afterEach(() => {
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

type Step = { kind: 'file'; sha256: string; name: string } | { kind: 'batch'; stream: string };

class Cloud implements BatchPoster {
  readonly steps: Step[] = [];
  readonly stored = new Map<string, Buffer>();
  failFile: Array<() => Error> = [];

  postBatch(request: BatchRequest): Promise<DeliveryOutcome> {
    this.steps.push({ kind: 'batch', stream: request.stream });
    return Promise.resolve({ kind: 'delivered', response: { batchId: request.batchId, accepted: request.records.length, duplicates: 0, stale: 0, staleIndexes: [], rejected: [] } });
  }

  async putFile(sha256: string, body: StreamedBody, meta: FileMeta): Promise<PutFileResult> {
    const failure = this.failFile.shift();
    if (failure !== undefined) throw failure();
    this.steps.push({ kind: 'file', sha256, name: meta.fileName });
    const chunks: Buffer[] = [];
    for await (const chunk of body.chunks()) chunks.push(Buffer.from(chunk));
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(body.bytes);
    this.stored.set(sha256, bytes);
    return { sha256, bytes: bytes.length, created: true };
  }
}

function addFile(name: string, content: string, lane: 'urgent' | 'bulk'): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  outbox.storeFile({ sha256, source: 'tills', name, contentType: 'application/json', lane, path });
  outbox.enqueue({
    source: 'tills',
    stream: 'shift_reports',
    lane,
    records: [{ stream: 'shift_reports', key: { zNumber: name }, op: 'upsert', data: { sourceFile: { sha256, name } }, capturedAt: new Date().toISOString() }],
    checkpoint: null,
  });
  return sha256;
}

function deliverer(cloud: Cloud, retry = { baseMs: 20, maxMs: 50 }): Deliverer {
  return new Deliverer({
    outbox,
    client: cloud,
    agentId: 'ag_1',
    entity: 'store-1',
    limits: { batchMaxRecords: 100, batchMaxBytes: 1_000_000, batchMaxAgeMs: 0 },
    retry,
    clock: systemClock,
    random: () => 0.99,
    logger: createSilentLogger(),
  });
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('file uploads in the delivery loop', () => {
  it('uploads the original before the records that reference it, once, and keeps only the fingerprint', async () => {
    const cloud = new Cloud();
    const sha256 = addFile('z-412.json', '{"zNumber": "412"}', 'urgent');
    const loop = deliverer(cloud);
    loop.start();
    await until('the record delivered', () => outbox.stats().depth === 0);
    await loop.stop();
    expect(cloud.steps).toEqual([{ kind: 'file', sha256, name: 'z-412.json' }, { kind: 'batch', stream: 'shift_reports' }]);
    expect(cloud.stored.get(sha256)?.toString()).toBe('{"zNumber": "412"}');
    expect(outbox.fileInfo(sha256)).toMatchObject({ uploadState: 'uploaded', attempts: 1 });
    expect(outbox.fileContent(sha256).length).toBe(0);
  });

  it('retries an upload the cloud could not take now without holding the records back', async () => {
    const cloud = new Cloud();
    cloud.failFile = [() => new BackOffError('service_unavailable', 'The cloud is busy.', 100)];
    const sha256 = addFile('z-413.json', '{"zNumber": "413"}', 'urgent');
    const loop = deliverer(cloud);
    loop.start();
    await until('the upload after its retry', () => outbox.fileInfo(sha256)?.uploadState === 'uploaded');
    await loop.stop();
    expect(cloud.steps).toEqual([{ kind: 'batch', stream: 'shift_reports' }, { kind: 'file', sha256, name: 'z-413.json' }]);
    expect(outbox.fileInfo(sha256)?.attempts).toBe(2);
  });

  it('gives up on an upload the cloud refuses for good, with an alert that names the file', async () => {
    const cloud = new Cloud();
    cloud.failFile = [() => new PermanentError('payload_too_large', 'The cloud refused the request as too large.')];
    const sha256 = addFile('huge.json', '{"zNumber": "414"}', 'bulk');
    const loop = deliverer(cloud);
    loop.start();
    await until('the record delivered', () => outbox.stats().depth === 0);
    await loop.stop();
    expect(outbox.fileInfo(sha256)).toMatchObject({ uploadState: 'failed', lastError: { code: 'payload_too_large' } });
    expect(outbox.listAlerts()).toEqual([
      expect.objectContaining({ code: `file_upload_failed:${sha256.slice(0, 16)}`, message: expect.stringContaining('The original of huge.json could not be uploaded') as unknown }),
    ]);
    expect(cloud.stored.size).toBe(0);
  });
});
