/**
 * `tya-agent open-ui [--print]`: opens the dashboard of the running agent in the default browser
 * with a one-time login link (single use, valid two minutes), or only prints the link (headless
 * servers: open it through `ssh -L 8080:127.0.0.1:<port>` with the port changed to 8080).
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ControlClient } from '../../control/index.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { CONFIG_OPTION_HELP, resolveConfig } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface OpenUiOptions {
  config?: string;
  print?: boolean;
}

export type BrowserOpener = (url: string) => Promise<void>;

export async function openUiCommand(options: OpenUiOptions, io: CliIo, openBrowser: BrowserOpener = systemOpen): Promise<ExitCodeValue> {
  const loaded = resolveConfig(options.config);
  const client = ControlClient.fromDataDir(loaded.dataDir, { timeoutMs: 10_000 });
  if (client === null) {
    throw new CliError(ExitCode.notRunning, 'agent_not_running', `No agent is running with the data folder ${loaded.dataDir}.`, {
      hint: 'Start it with "tya-agent run" or start the service, then try again.',
    });
  }
  const link = await client.createLoginLink();
  if (options.print) {
    io.out(link.url);
    return ExitCode.ok;
  }
  io.out(`Opening the dashboard in your browser. If nothing opens, open this link (it works once, until ${link.expiresAt}):`);
  io.out(link.url);
  await openBrowser(link.url).catch((error: unknown) => io.err(`Could not start a browser: ${(error as Error).message}`));
  return ExitCode.ok;
}

function systemOpen(url: string): Promise<void> {
  const [command, args] =
    process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : process.platform === 'darwin' ? ['open', [url]] : ['xdg-open', [url]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Adds `open-ui` to the program (one line in program.ts). */
export function registerOpenUiCommand(
  program: Command,
  action: (fn: (opts: OpenUiOptions) => Promise<ExitCodeValue>) => (opts: OpenUiOptions) => Promise<void>,
  io: CliIo,
): void {
  program
    .command('open-ui')
    .description('open the dashboard of the running agent in a browser with a one-time login link')
    .option('--print', 'only print the one-time link (headless servers, scripts)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((opts: OpenUiOptions) => openUiCommand(opts, io)));
}
