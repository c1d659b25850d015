import { HashCounter } from './hash-counter.ts';

/**
 * Counts how often a key was seen within one statement: the entry keyer asks it for every entry
 * (entry-key.ts). In memory by default (hash-counter.ts, 12 bytes a key). A statement of millions
 * of entries would make that grow without bound, so the process that reads big files (the folder
 * source's reading worker) installs counters that move to disk past a limit
 * (sources/folder/spilling-counter.ts): the peak stays flat in the file size (issue 10).
 */
export interface OccurrenceCounter {
  /** Counts `text` once more; returns how often it had been seen before. */
  incrementText(text: string): number;
  /** Counts a digest (16 hex digits or more) once more; returns how often it had been seen before. */
  incrementHex(hex: string): number;
}

export type OccurrenceCounterFactory = () => OccurrenceCounter;

const inMemory: OccurrenceCounterFactory = () => new HashCounter();
let factory = inMemory;

/** A new counter of the kind this thread uses. */
export function newOccurrenceCounter(): OccurrenceCounter {
  return factory();
}

/**
 * Sets the kind of counter the parsers of this thread use (undefined: back to memory). Process-wide
 * on purpose: the keyer is built deep inside every parser, and a thread that reads big files
 * reads one at a time.
 */
export function useOccurrenceCounters(next: OccurrenceCounterFactory | undefined): void {
  factory = next ?? inMemory;
}
