/**
 * What one record's mapping may use (issue 13 item 1). A configured mapping is code someone typed:
 * a loop, a recursion or an output that grows without end must stop that record with an error that
 * names the limit, not stall the stream or the agent. docs/mappings.md explains each number.
 */
export interface MappingLimits {
  /**
   * The mapping thread's CPU time per record (not wall time: run-clock.ts), checked by JSONata at every
   * step (its `timeout` guardrail).
   */
  timeMs: number;
  /**
   * A record still running after this long is stuck inside one built-in call (a regular expression
   * that backtracks, a huge `$pad`) where the step check cannot reach: the thread is terminated and
   * started again. CPU time of the thread where the system shows it (Linux), wall time elsewhere; a
   * record waiting for a core is given up to 20 times this in wall time, at least a minute (mapping-pool.ts).
   */
  hardTimeMs: number;
  /** Nested evaluation depth (JSONata's `stack` guardrail): stops infinite recursion. */
  maxDepth: number;
  /** Items in one sequence (JSONata's `sequence` guardrail): stops `[1..10000000]` and runaway maps. */
  maxSequence: number;
  /** The mapped record as JSON, in bytes. */
  maxOutputBytes: number;
  /** The thread's V8 heap (old generation); past it the thread dies and is started again. */
  memoryMb: number;
}

export const DEFAULT_MAPPING_LIMITS: Readonly<MappingLimits> = {
  timeMs: 50,
  hardTimeMs: 1000,
  maxDepth: 500,
  maxSequence: 10_000,
  maxOutputBytes: 64 * 1024,
  memoryMb: 64,
};

export type MappingLimitName = 'time' | 'depth' | 'sequence' | 'output' | 'memory';
