import { Agent } from '../../engine/agent.ts';
import { DataDirBusyError } from '../../engine/data-dir-lock.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { findRunningAgent, reachHint } from '../running-agent.ts';

/** `tya-agent run`: the service's foreground process. Stops cleanly on SIGINT/SIGTERM. */
export async function runCommand(options: { config?: string }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  // Listen before starting: a service manager that stops the agent while it is still opening its
  // queue and sockets must get a clean stop (exit 0, sockets removed), not the default signal death.
  const stopSignal = waitForStopSignal();
  let agent: Agent;
  try {
    // The doctor (and all of undici, which its network checks use) loads only when a support bundle asks for it.
    const doctorReport = async () => (await import('./doctor-report.ts')).doctorReport(loaded.file);
    agent = await Agent.start({ loaded, lockAs: 'run', doctorReport });
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    // Exit at once, naming the holder and how to reach it; its files are untouched.
    const running = findRunningAgent(loaded.dataDir);
    const hint = running === null ? undefined : reachHint(running);
    throw new CliError(ExitCode.busy, error.code, error.message, { hint: hint ?? error.hint, cause: error });
  }
  const status = agent.status();
  io.out(`TYA Sync Agent "${loaded.config.agent.name}" is running (pid ${process.pid}).`);
  io.out(`  Config:   ${loaded.file}`);
  io.out(`  Data dir: ${agent.layout.root}`);
  io.out(`  Log:      ${agent.layout.logFile}`);
  io.out(`  Sources:  ${status.sources.map((s) => s.name).join(', ') || '(none)'}`);
  if (!status.enrollment.enrolled) {
    io.out('  Not enrolled yet: changes are queued; enroll with "tya-agent enroll", then restart this agent to send them.');
  }
  io.out('Stop it with Ctrl-C (or SIGTERM); "tya-agent status" shows how it is doing.');
  const signal = await stopSignal;
  io.out(`Received ${signal}; stopping after the work in hand…`);
  await agent.stop();
  io.out('Stopped.');
  endDespiteStuckReads(io);
  return ExitCode.ok;
}

const EXIT_BACKSTOP_MS = 3_000;

/**
 * A query or connect the database never answered (left behind by stop: engine/read-watch.ts) sits in
 * a thread of libuv's pool, and Node's exit joins those threads: the process would stay until the
 * driver gives up (a locked SQLite file: 100 s; a hung network: never). Everything else has stopped
 * and closed its files by now, so after a moment the process ends itself by the stop signal's own
 * default action, which skips that join; systemd counts death by SIGTERM as a clean stop.
 */
function endDespiteStuckReads(io: CliIo): void {
  setTimeout(() => {
    io.err('A read the database never answered was still running; ending the process.');
    process.removeAllListeners('SIGTERM');
    process.kill(process.pid, 'SIGTERM');
  }, EXIT_BACKSTOP_MS).unref();
}

export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
