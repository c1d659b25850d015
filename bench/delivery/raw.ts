/**
 * The raw baseline of the delivery benchmark: an undici loop posting pre-built gzip batches of the
 * same records, one request at a time like the deliverer's lane, each signed (HMAC v2 over method,
 * path and the gzip bytes' hash) just before it is sent, with a bearer token fetched inside the timed part as ours must.
 * No outbox, no retries, no classification: the least a client must do to get the batches accepted.
 */
import { gzipSync } from 'node:zlib';
import { monotonicFactory } from 'ulid';
import { Agent, request } from 'undici';
import type { SourceRecord } from '../../agents/api/index.ts';
import type { BatchRequest, EnrollResponse } from '../../agents/api/cloud.ts';
import { signatureHeader } from '../../agents/delivery/signature.ts';
import { recordVersion } from '../../agents/outbox/index.ts';
import { chunk } from '../lib/receipt-records.ts';
import { AGENT_VERSION, LIMITS } from './ours.ts';

export interface PreparedBatch {
  batchId: string;
  records: number;
  gzip: Buffer;
}

/** Builds, serialises and compresses every batch before the clock starts. */
export function prebuildBatches(agentId: string, source: string, records: readonly SourceRecord[]): PreparedBatch[] {
  const ulid = monotonicFactory();
  const seqBase = Date.now() * 1000;
  return chunk(records, LIMITS.batchMaxRecords).map((page) => {
    const batch: BatchRequest = {
      batchId: ulid(),
      agentId,
      entity: 'bench',
      source,
      stream: page[0]!.stream,
      schemaVersion: 1,
      createdAt: new Date().toISOString(),
      records: page.map((r, i) => ({
        key: r.key,
        op: r.op,
        version: recordVersion(r),
        seq: seqBase + i,
        capturedAt: r.capturedAt,
        data: r.data!,
      })),
    };
    return { batchId: batch.batchId, records: page.length, gzip: gzipSync(JSON.stringify(batch), { level: 6 }) };
  });
}

export async function postRaw(options: {
  url: string;
  enrollment: EnrollResponse;
  batches: readonly PreparedBatch[];
}): Promise<{ ms: number; problems: string[] }> {
  const dispatcher = new Agent({ connections: 8, keepAliveTimeout: 30_000 });
  const base = { 'user-agent': `tya-agent/${AGENT_VERSION}`, 'tya-agent-version': AGENT_VERSION };
  const problems: string[] = [];
  const started = performance.now();
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: options.enrollment.clientId,
    client_secret: options.enrollment.clientSecret,
  });
  const tokenAnswer = await request(`${options.url}/v1/oauth/token`, {
    method: 'POST',
    dispatcher,
    headers: { ...base, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const token = ((await tokenAnswer.body.json()) as { access_token: string }).access_token;
  for (const batch of options.batches) {
    const signature = signatureHeader(
      options.enrollment.signingSecret,
      { method: 'POST', pathWithQuery: '/v1/batches', body: batch.gzip },
      Date.now() / 1000,
    );
    const answer = await request(`${options.url}/v1/batches`, {
      method: 'POST',
      dispatcher,
      headers: {
        ...base,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'idempotency-key': batch.batchId,
        'tya-signature': signature,
        authorization: `Bearer ${token}`,
      },
      body: batch.gzip,
    });
    const body = (await answer.body.json()) as { accepted?: number };
    if (answer.statusCode !== 200 || body.accepted !== batch.records) {
      problems.push(
        `batch ${batch.batchId}: HTTP ${answer.statusCode}, accepted ${String(body.accepted)} of ${batch.records}`,
      );
    }
  }
  const ms = performance.now() - started;
  await dispatcher.close();
  return { ms, problems };
}
