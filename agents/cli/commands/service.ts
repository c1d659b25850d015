/**
 * `tya-agent service install|uninstall|status|start|stop`: the agent as a system service (systemd
 * on Linux, WinSW on Windows), so it runs with no one logged in. docs/service.md. The work is in
 * ../service/service-actions.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { ServiceOptions } from '../service/service-actions.ts';

/** Adds `service` and its subcommands to the program (one line in program.ts). */
export function registerServiceCommand(
  program: Command,
  action: (fn: (opts: ServiceOptions) => Promise<ExitCodeValue>) => (opts: ServiceOptions) => Promise<void>,
  io: CliIo,
): void {
  const service = program.command('service').description('run the agent as a system service (systemd; WinSW on Windows): install, uninstall, status, start, stop');
  const withRoot = (command: Command) =>
    command
      .option('--root <dir>', 'install under this folder instead of / (packaging, tests)')
      .option('--user <name>', 'the service user', 'tya-agent');
  withRoot(service.command('install'))
    .description('create the tya-agent user, /var/lib/tya-agent with the live config, and a hardened unit; start it')
    .option('-c, --config <file>', 'the configuration to start from (copied to /etc/tya-agent/agent.json when that does not exist)')
    .option('--print', 'only print the generated unit (or WinSW definition) and change nothing')
    .option('--platform <name>', 'with --print: linux or windows (default: this machine)')
    .addHelpText('after', '\nExit code: 0 installed and started, 3 files written but systemd could not start it (the command to run is printed).')
    .action(action((opts: ServiceOptions) => run('install', opts, io)));
  withRoot(service.command('uninstall'))
    .description('say what is not sent yet, ask, stop the service, unregister the agent from the cloud, remove the unit')
    .option('--yes', 'do not ask (needed when not run in a terminal)')
    .option('--purge-data', 'also delete the data dir (queue, logs, vault, live config)')
    .addHelpText('after', '\nExit code: 0 removed, 2 no confirmation (not a terminal and no --yes), 7 the cloud did not unregister it (nothing removed).')
    .action(action((opts: ServiceOptions) => run('uninstall', opts, io)));
  service
    .command('notify-stopped')
    .description('run by systemd when it gives up on the agent: raise agent_stopped with its last error and send it through the alert channels')
    .option('-c, --config <file>', 'the live config of the service (the unit passes it)')
    .addHelpText('after', '\nExit code: 0 every channel told (or the agent runs again), 3 no channel configured or one could not be told.')
    .action(action(async (opts: ServiceOptions) => (await import('../service/notify-stopped.ts')).notifyStoppedCommand(opts, io)));
  for (const [name, help] of [
    ['status', 'whether the service is installed, enabled and running'],
    ['start', 'start the service (systemctl start)'],
    ['stop', 'stop the service (systemctl stop); the agent finishes its batch in flight'],
  ] as const) {
    withRoot(service.command(name)).description(help).action(action((opts: ServiceOptions) => run(name, opts, io)));
  }
}

async function run(name: 'install' | 'uninstall' | 'status' | 'start' | 'stop', opts: ServiceOptions, io: CliIo): Promise<ExitCodeValue> {
  return (await import('../service/service-actions.ts')).serviceCommand(name, opts, io);
}

export const SERVICE_OPTION_HELP =
  "store into the installed service's vault (its live config in /var/lib/tya-agent); as root, works as the service user";
