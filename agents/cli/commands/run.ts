import { Agent } from '../../engine/agent.ts';
import { resolveConfig } from '../config-option.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

/** `tya-agent run`: the service's foreground process. Stops cleanly on SIGINT/SIGTERM. */
export async function runCommand(options: { config?: string }, io: CliIo): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const agent = await Agent.start({ loaded });
  const status = agent.status();
  io.out(`TYA Sync Agent "${loaded.config.agent.name}" is running (pid ${process.pid}).`);
  io.out(`  Config:   ${loaded.file}`);
  io.out(`  Data dir: ${agent.layout.root}`);
  io.out(`  Log:      ${agent.layout.logFile}`);
  io.out(`  Sources:  ${status.sources.map((s) => s.name).join(', ') || '(none)'}`);
  if (!status.enrollment.enrolled) io.out('  Not enrolled yet: changes are queued until you run "tya-agent enroll".');
  io.out('Stop it with Ctrl-C (or SIGTERM); "tya-agent status" shows how it is doing.');
  const signal = await waitForStopSignal();
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
