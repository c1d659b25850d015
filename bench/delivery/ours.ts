/**
 * Our side of the delivery benchmark: the real Deliverer and CloudClient draining a real outbox
 * (FULL, as the agent runs it) into the sandbox: batches leased and completed in SQLite, gzip,
 * HMAC signatures, a bearer token. The outbox is filled before the clock starts; the clock runs
 * from start() until the cloud has answered for every record.
 */
import type { SourceRecord } from '../../agents/api/index.ts';
import type { EnrollResponse } from '../../agents/api/cloud.ts';
import { CloudClient, Deliverer } from '../../agents/delivery/index.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { createSilentLogger } from '../../agents/telemetry/logger.ts';
import { chunk } from '../lib/receipt-records.ts';
import { seededRandom } from '../../agents/pipeline/seeded-random.ts';

export const AGENT_VERSION = '0.1.0';
/** The config defaults (agents/api/config.ts), so the loop runs as a default agent's does. */
export const LIMITS = { batchMaxRecords: 500, batchMaxBytes: 4_000_000, batchMaxAgeMs: 250 };

export interface OursRun {
  ms: number;
  batches: number;
  problems: string[];
}

export async function deliverOurs(options: {
  url: string;
  enrollment: EnrollResponse;
  outboxPath: string;
  source: string;
  records: readonly SourceRecord[];
  timeoutMs: number;
  /** Batch limits other than the config defaults (bench/scaling's records-per-batch row). */
  limits?: typeof LIMITS;
  inFlightPerLane?: number;
}): Promise<OursRun> {
  const limits = options.limits ?? LIMITS;
  const outbox = Outbox.open({
    path: options.outboxPath,
    maxBytes: 8 * 1024 ** 3,
    synchronous: 'FULL',
    clock: systemClock,
  });
  for (const page of chunk(options.records, limits.batchMaxRecords)) {
    outbox.enqueue({
      source: options.source,
      stream: page[0]!.stream,
      lane: 'bulk',
      records: page,
      checkpoint: { n: page.length },
    });
  }
  const { enrollment } = options;
  const client = new CloudClient({
    baseUrl: options.url,
    agentVersion: AGENT_VERSION,
    timeoutMs: 30_000,
    credentials: {
      agentId: enrollment.agentId,
      clientId: enrollment.clientId,
      getClientSecret: () => Promise.resolve(enrollment.clientSecret),
      getSigningSecret: () => Promise.resolve(enrollment.signingSecret),
    },
  });
  const problems: string[] = [];
  let answered = 0;
  let batches = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const deliverer = new Deliverer({
    outbox,
    client,
    agentId: enrollment.agentId,
    entity: 'bench',
    limits,
    retry: { baseMs: 500, maxMs: 300_000 },
    clock: systemClock,
    random: seededRandom(7),
    logger: createSilentLogger(),
    ...(options.inFlightPerLane === undefined ? {} : { inFlightPerLane: options.inFlightPerLane }),
    onEvent: (event) => {
      if (event.type === 'delivered') {
        batches += 1;
        answered += event.accepted + event.duplicates + event.rejected;
        if (event.duplicates + event.rejected > 0)
          problems.push(`batch ${event.batchId}: ${event.duplicates} duplicates, ${event.rejected} rejected`);
        if (answered >= options.records.length) finish();
      } else if (event.type !== 'cloud-ok' && event.type !== 'cloud-contact') {
        problems.push(`${event.type}: ${'message' in event ? event.message : ''}`);
      }
    },
  });
  const timeout = setTimeout(() => {
    problems.push(
      `timed out after ${options.timeoutMs} ms with ${answered} of ${options.records.length} records answered`,
    );
    finish();
  }, options.timeoutMs);
  const started = performance.now();
  deliverer.start();
  await done;
  const ms = performance.now() - started;
  clearTimeout(timeout);
  await deliverer.stop();
  await client.close();
  outbox.close();
  return { ms, batches, problems };
}
