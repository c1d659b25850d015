import { readFileSync } from 'node:fs';
import { CliError } from '../cli-error.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode } from '../exit-codes.ts';

/** Long enough that the scrypt-slowed guessing of a stolen backup file is hopeless. */
export const MIN_PASSPHRASE_LENGTH = 12;

/**
 * The backup passphrase, from a file or standard input, never the command line (it would sit in the
 * shell history and in every process listing).
 */
export function readPassphrase(options: { passphraseFile?: string }, io: CliIo, purpose: 'backup' | 'restore'): string {
  if (options.passphraseFile === undefined && process.stdin.isTTY) io.err('Type the backup passphrase and press Enter, then Ctrl-D:');
  const raw = options.passphraseFile === undefined ? readFileSync(0, 'utf8') : readFileSync(options.passphraseFile, 'utf8');
  const passphrase = raw.replace(/\r?\n$/, '');
  if (passphrase.length === 0) {
    throw new CliError(ExitCode.usage, 'passphrase_missing', 'No passphrase was given.', {
      hint: 'Pipe it on standard input or pass --passphrase-file FILE (never on the command line).',
    });
  }
  if (purpose === 'backup' && passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new CliError(ExitCode.usage, 'passphrase_too_short', `The passphrase has ${passphrase.length} characters; a backup needs at least ${MIN_PASSPHRASE_LENGTH}.`, {
      hint: 'Choose a longer one (a few unrelated words) and keep it apart from the backup file.',
    });
  }
  return passphrase;
}
