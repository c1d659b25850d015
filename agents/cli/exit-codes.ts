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
  /** Another agent process holds the data folder (its pid is printed). */
  busy: 9,
  /** The cloud revoked this agent: nothing is sent until it is enrolled again. The queue is kept. */
  revoked: 10,
  /** The cloud halted delivery (forbidden, wrong URL, proxy login, version too old…). The queue is kept. */
  halted: 11,
  /** Every source is paused or stopped by an error, so nothing more can be read. */
  sourcesStopped: 12,
  /** This Node.js is too old for the agent (it needs Node 24). */
  nodeTooOld: 13,
  /** The running agent refused: this user's role (from the control socket it reached) may not do that. */
  forbidden: 14,
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
  8  no agent is running
  9  another agent process is using the data folder (its pid is printed)
 10  the cloud revoked this agent (queue kept; enroll again)
 11  the cloud halted delivery: forbidden, wrong URL, proxy login, version too old… (queue kept)
 12  every source is paused or stopped by an error, so nothing more can be read
 13  this Node.js is too old (the agent needs Node 24)
 14  your role may not do that (viewer, operator, admin: see docs/control-api.md)`;
