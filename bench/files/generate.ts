/**
 * The benchmark's input files, generated (never copied from fixtures) and written as a stream: a
 * CAMT.053 statement and a bank CSV export of about the requested size, both balanced, so parsing
 * them runs every check a real file gets.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { camtChunks, csvChunks, sampleEntry } from '../../agents/transforms/statements/statement-samples.ts';

export interface GeneratedFile {
  path: string;
  bytes: number;
  entries: number;
}

/** Entries needed for `targetBytes`, from the size of a sample of generated entries. */
function entriesFor(targetBytes: number, sampleBytes: (count: number) => number): number {
  const sample = 2000;
  return Math.max(1, Math.round((targetBytes / sampleBytes(sample)) * sample));
}

async function writeChunks(path: string, chunks: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

export async function generateCamt(path: string, targetBytes: number): Promise<GeneratedFile> {
  const entries = entriesFor(targetBytes, (n) => Buffer.byteLength([...camtChunks({ iban: 'DE89370400440532013000', sequence: 1, opening: '0', from: 0, to: n })].join('')));
  const bytes = await writeChunks(path, camtChunks({ iban: 'DE89370400440532013000', sequence: 1, opening: '1000.00', from: 0, to: entries }));
  return { path, bytes, entries };
}

export async function generateCsv(path: string, targetBytes: number): Promise<GeneratedFile> {
  const entries = entriesFor(targetBytes, (n) => Buffer.byteLength([...csvChunks({ from: 0, to: n, opening: '0' })].join('')));
  const bytes = await writeChunks(path, csvChunks({ from: 0, to: entries, opening: '1000.00' }));
  // Touch the generator once more so a change in it shows up in the sizes printed.
  void sampleEntry(entries);
  return { path, bytes, entries };
}
