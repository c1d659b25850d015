import { BackOffError } from '../pipeline/errors.ts';

/**
 * The outbox cannot take more right now (its size cap, or the disk). Capture pauses and the source's
 * cursor stays where it is; nothing is dropped. The engine backs off and tries again.
 */
export class OutboxFullError extends BackOffError {
  constructor(message: string, options: { waitMs?: number; hint?: string; cause?: unknown } = {}) {
    super('outbox_full', message, options.waitMs ?? 5_000, { hint: options.hint, cause: options.cause });
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
