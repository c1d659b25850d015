/**
 * Expected failures are typed errors with a stable `code` and a message a person can act on
 * (DESIGN.md §8). Anything else thrown is a bug: it crashes, restarts and gets reported.
 * Plugins classify; the engine owns retries.
 */
export class AgentError extends Error {
  readonly code: string;
  /** What the person reading this should do about it. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The system behind a plugin cannot be reached right now; the engine reconnects with backoff. */
export class NotConnectedError extends AgentError {}

/** Try again after `waitMs` (a server asked us to, or a resource is busy). */
export class BackOffError extends AgentError {
  readonly waitMs: number;
  constructor(code: string, message: string, waitMs: number, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.waitMs = waitMs;
  }
}

/** Retrying will not help: configuration, permissions or data must change first. */
export class PermanentError extends AgentError {}

/**
 * Some of a source's streams stopped while the others read on (an ODBC source reports its stopped
 * streams at the end of each pass): the source as a whole works. Each stopped stream has its own
 * alert, so this does not count towards the source's failing-for-long alert (engine/failure-watch.ts).
 */
export class StreamsStoppedError extends BackOffError {}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}

/** A one-line description of any thrown value, for logs and status. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof AgentError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'internal_error', message: error.message };
  return { code: 'internal_error', message: String(error) };
}
