/**
 * The one logger factory (DESIGN.md §8): a single pino root per process, child loggers per
 * component (`logger.child({ component: 'source.odbc', source })`), messages written as sentences.
 * Secrets are kept out twice: by field name (redact paths) and by value (every line is scrubbed
 * against the vault's registry), so a secret logged by accident inside an error or a URL never
 * reaches the file.
 */
import { hostname } from 'node:os';
import { pino } from 'pino';
import { REDACTED, SECRET_FIELD_PATHS, redactSecrets } from '../vault/redaction.ts';
import { RotatingFileDestination, type LogRotation } from './rotating-file.ts';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal, silent. */
  level: string;
  /** A file to append to (created with its folder); standard output when absent. */
  destination?: string;
  /** Fields every line carries, e.g. `{ agent: 'office-1' }`. */
  base?: object;
  /** Rotation of `destination` by size and age (rotating-file.ts); none when absent. */
  rotation?: LogRotation;
  /** The clock rotation reads; tests pass their own. */
  now?: () => number;
}

export function createLogger(options: LoggerOptions): Logger {
  // Synchronous writes: the agent is killed -9 in tests and in the field, and the last lines before
  // a crash are the ones that matter.
  const destination =
    options.destination === undefined
      ? pino.destination({ dest: 1, sync: true })
      : options.rotation === undefined
        ? pino.destination({ dest: options.destination, sync: true, mkdir: true, mode: 0o600 })
        : new RotatingFileDestination(options.destination, options.rotation, options.now);
  const root = pino(
    {
      level: options.level,
      base: { pid: process.pid, hostname: hostname(), ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
      redact: { paths: [...SECRET_FIELD_PATHS], censor: REDACTED },
      hooks: { streamWrite: redactSecrets },
    },
    destination,
  );
  return withMergedChildBindings(root);
}

/**
 * pino appends a child's bindings to its parent's as text, so a component that narrows its
 * logger again (`logger.child({component: 'control'})` on a logger that already says so) wrote
 * `"component":"control","component":"control"`, and a re-labelled one two different values. Every
 * child is made from the root with the merged bindings instead: each key once, the newest value.
 */
export function withMergedChildBindings(root: Logger): Logger {
  const rootBindings = root.bindings();
  const rootChild = root.child.bind(root);
  const attach = (logger: Logger): Logger => {
    logger.child = ((bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => {
      const merged: Record<string, unknown> = { ...logger.bindings(), ...bindings };
      // The root's own bindings are on every line already.
      for (const [key, value] of Object.entries(rootBindings)) if (merged[key] === value) delete merged[key];
      return attach(rootChild(merged, { level: logger.level, ...options }));
    }) as unknown as Logger['child'];
    return logger;
  };
  return attach(root);
}

/** For tests and tools that need a Logger but no output. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
