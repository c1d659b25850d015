/**
 * Sample records for a mapping preview, read from the configured source through its own read path
 * (issue 13 item 6): a throwaway instance of the ODBC source restricted to the one stream, reading
 * from the beginning. Its reads are acknowledged only to that instance (so it pages on); there is no
 * outbox here, so no checkpoint is written and the running agent's position does not move.
 * Folder sources take files (archive, quarantine) when they read: preview those from a file instead.
 */
import type { AgentConfig, OdbcSourceConfig } from '../api/index.ts';
import { systemClock } from '../pipeline/clock.ts';
import { AgentError } from '../pipeline/errors.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import { openSource } from '../sources/index.ts';
import { createSilentLogger } from '../telemetry/logger.ts';
import type { SampleRecord } from '../transforms/mapping/index.ts';

/** Reads at most this many pages looking for the stream's records (a stream that is empty ends sooner). */
const MAX_READS = 50;

export async function sampleSourceRecords(config: AgentConfig, stream: string, limit: number, secrets: SecretResolver, signal: AbortSignal): Promise<SampleRecord[]> {
  const source = config.sources.find((s) => streamNames(s).includes(stream));
  if (source === undefined) {
    const known = config.sources.flatMap(streamNames);
    throw new AgentError('mapping_stream_unknown', `No configured source has a stream "${stream}" (streams: ${known.join(', ') || 'none'}).`, {
      hint: 'Give the stream name as the config spells it, or preview from a file with --input FILE.',
    });
  }
  if (source.type !== 'odbc') {
    throw new AgentError('mapping_sample_folder', `Stream "${stream}" comes from the folder source "${source.name}", which takes files when it reads them.`, {
      hint: 'Preview from a file instead: --input FILE with one record per line (tya-agent parse FILE --json shows a file\'s records).',
    });
  }
  const only: OdbcSourceConfig = {
    ...source,
    streams: source.streams.filter((s) => s.name === stream).map((s) => ({ ...s, pageRows: Math.min(s.pageRows, Math.max(limit, 1)) })),
  };
  delete only.documents;
  delete only.expect;
  const reader = await openSource(only, {
    checkpoints: { getCheckpoint: () => undefined, getCheckpointPart: () => undefined },
    secrets,
    logger: createSilentLogger(),
    clock: systemClock,
  });
  const samples: SampleRecord[] = [];
  const seen = new Set<string>();
  await reader.connect(signal);
  try {
    for (let i = 0; i < MAX_READS && samples.length < limit; i += 1) {
      const result = await reader.read(signal);
      if (result === null) break;
      let added = 0;
      for (const record of result.records) {
        const id = JSON.stringify(record.key);
        if (record.stream !== stream || samples.length >= limit || seen.has(id)) continue;
        seen.add(id);
        const sample: SampleRecord = { key: record.key, op: record.op };
        if (record.data !== undefined) sample.data = record.data;
        samples.push(sample);
        added += 1;
      }
      // Moves this instance's in-memory position only: nothing is committed anywhere.
      result.ack();
      if (result.caughtUp || added === 0) break;
    }
  } finally {
    await reader.close();
  }
  return samples;
}

function streamNames(s: AgentConfig['sources'][number]): string[] {
  if (s.type === 'odbc') return s.streams.map((t) => t.name);
  if (s.type === 'rabbitmq') return [s.stream];
  return Object.values(s.streams);
}
