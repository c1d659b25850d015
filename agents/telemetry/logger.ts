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

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal, silent. */
  level: string;
  /** A file to append to (created with its folder); standard output when absent. */
  destination?: string;
  /** Fields every line carries, e.g. `{ agent: 'office-1' }`. */
  base?: object;
}

export function createLogger(options: LoggerOptions): Logger {
  // Synchronous writes: the agent is killed -9 in tests and in the field, and the last lines before
  // a crash are the ones that matter.
  const destination =
    options.destination === undefined
      ? pino.destination({ dest: 1, sync: true })
      : pino.destination({ dest: options.destination, sync: true, mkdir: true, mode: 0o640 });
  return pino(
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
}

/** For tests and tools that need a Logger but no output. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
