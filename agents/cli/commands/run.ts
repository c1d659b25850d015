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
  return ExitCode.ok;
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
