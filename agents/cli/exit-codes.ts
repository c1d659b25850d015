/** Exit codes scripts can rely on. Documented in `tya-agent --help` and the README. */
export const ExitCode = {
  ok: 0,
  /** A bug: the message and log say what happened. */
  internal: 1,
  /** Wrong command-line usage. */
  usage: 2,
  /** Done, but not everything: changes still queued, or status needs attention. */
  incomplete: 3,
  /** The config file is missing or invalid. */
  config: 4,
  /** The OS keychain cannot be used; no secret was stored. */
  keychain: 5,
  /** The agent is not enrolled with a cloud. */
  notEnrolled: 6,
  /** The cloud refused or could not be reached. */
  cloud: 7,
  /** The command needs a running agent and none runs. */
  notRunning: 8,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `
Exit codes:
  0  success
  1  unexpected error (a bug; see the message and the log)
  2  wrong usage
  3  incomplete: changes still queued, or status needs attention
  4  config file missing or invalid
  5  OS keychain unavailable (no secret was stored)
  6  not enrolled
  7  the cloud refused or could not be reached
  8  no agent is running`;
