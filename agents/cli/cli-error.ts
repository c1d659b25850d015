import { AgentError } from '../pipeline/errors.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** An expected failure of a CLI command: printed as a sentence (and a hint), then exit with `exitCode`. */
export class CliError extends AgentError {
  readonly exitCode: ExitCodeValue;
  constructor(exitCode: ExitCodeValue, code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.exitCode = exitCode;
  }
}

/** Maps an error to the exit code scripts rely on. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof AgentError)) return ExitCode.internal;
  if (error.code.startsWith('config_')) return ExitCode.config;
  if (error.code === 'keychain_unavailable') return ExitCode.keychain;
  if (error.code === 'not_enrolled') return ExitCode.notEnrolled;
  if (error.code === 'data_dir_busy') return ExitCode.busy;
  if (error.code === 'forbidden_role') return ExitCode.forbidden;
  // A quarantined record that is not there (or not editable) is the caller's mistake, not a bug.
  if (error.code.startsWith('quarantine_') || error.code === 'stream_not_configured') return ExitCode.usage;
  if (error.code.startsWith('enroll') || error.code.startsWith('cloud_') || error.code === 'network_error') return ExitCode.cloud;
  return ExitCode.internal;
}

export function printError(error: unknown, write: (line: string) => void): void {
  if (error instanceof AgentError) {
    write(`Error: ${error.message}`);
    if (error.hint) write(`What to do: ${error.hint}`);
    return;
  }
  write(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  write('This is a bug in the agent. Please send the log (the data dir\'s logs/agent.log) to support.');
}
