/**
 * What one file may cost to read (issue 10): a hostile file (nested tags, a compression bomb, a cell
 * of a gigabyte) must be stopped and quarantined instead of stalling the agent. Time: 2 s plus 1 s
 * per 20 MB of file, of the reading thread's CPU time (file-read-worker.ts); memory: the reading
 * worker's heap is limited to 256 MB.
 */
export interface ReadBudget {
  timeMs: number;
  memoryMb: number;
}

export const READ_MEMORY_MB = 256;

export function readBudgetFor(bytes: number): ReadBudget {
  return { timeMs: 2000 + Math.ceil((1000 * bytes) / (20 * 1024 * 1024)), memoryMb: READ_MEMORY_MB };
}

/** The words beside a quarantined file that went over its budget. */
export function overBudgetReason(
  what: 'time' | 'memory',
  name: string,
  bytes: number,
  budget: ReadBudget,
): { reason: string; hint: string } {
  const size = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
  const reason =
    what === 'time'
      ? `reading ${name} (${size}) took longer than its budget of ${(budget.timeMs / 1000).toFixed(1)} s (2 s plus 1 s per 20 MB), so it was stopped`
      : `reading ${name} (${size}) needed more than the ${budget.memoryMb} MB of memory a file may use, so it was stopped`;
  return {
    reason,
    hint: 'A bank statement of this size reads far faster and smaller: the file is probably damaged or built to stall the agent (deeply nested tags, a compression bomb). If it is a real export, ask the bank for a fresh one or for several smaller files.',
  };
}
