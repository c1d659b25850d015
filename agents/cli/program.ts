import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { AGENT_VERSION } from '../engine/version.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { exitCodeFor, printError } from './cli-error.ts';
import { CONFIG_OPTION_HELP } from './config-option.ts';
import { EXIT_CODE_HELP, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { enrollCommand } from './commands/enroll.ts';
import { syncCommand } from './commands/sync.ts';
import { dlqCommand, type DlqAction } from './commands/dlq.ts';
import { secretCommand } from './commands/secret.ts';
import { demoCommand } from './commands/demo.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

/**
 * The `tya-agent` command line. Each action returns its exit code; expected failures print a
 * sentence and what to do, and map to the documented exit codes.
 */
export function buildProgram(io: CliIo = processIo, setExitCode: (code: ExitCodeValue) => void = (c) => (process.exitCode = c)): Command {
  const program = new Command('tya-agent')
    .description(
      'TYA Sync Agent: reads your ERP/POS databases and files, keeps every change in a local queue, and sends it ' +
        'exactly once to Talk to Your Accounts. Outbound connections only; secrets stay in the OS keychain.',
    )
    .version(AGENT_VERSION, '-V, --version', 'print the agent version')
    .addHelpText('after', EXIT_CODE_HELP)
    .showHelpAfterError('(run "tya-agent --help" for the commands)')
    .exitOverride();

  const action =
    <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) =>
    async (...args: A) => {
      try {
        setExitCode(await fn(...args));
      } catch (error) {
        printError(error, (line) => io.err(line));
        setExitCode(exitCodeFor(error));
      }
    };

  program
    .command('enroll')
    .description('connect this agent to the cloud with a one-time enrollment key (secrets go to the OS keychain)')
    .requiredOption('--url <url>', 'cloud API base URL, e.g. https://api.talktoyouraccounts.example')
    .option('--key <key>', 'the enrollment key; "-" reads it from standard input; default: $TYA_ENROLLMENT_KEY')
    .option('--name <name>', 'name shown in the cloud (default: agent.name from the config)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((opts: { url: string; key?: string; name?: string; config?: string }) => enrollCommand(opts, io)));

  program
    .command('run')
    .description('run the agent in the foreground (what the service runs); Ctrl-C or SIGTERM stops it cleanly')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((opts: { config?: string }) => runCommand(opts, io)));

  program
    .command('status')
    .description('say in plain words whether the agent runs, reaches the cloud, and what is queued or failing')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExit code: 0 healthy, 3 something needs attention, 8 the agent is not running.')
    .action(action((opts: { config?: string; json?: boolean }) => statusCommand(opts, io)));

  program
    .command('sync')
    .description('read every source and send now (asks the running agent, or runs once until done)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--source <name>', 'only this source')
    .option('--timeout-secs <n>', 'give up waiting after this long (the rest stays queued)', positiveInt, 600)
    .action(action((opts: { config?: string; source?: string; timeoutSecs: number }) => syncCommand(opts, io)));

  const dlq = program.command('dlq').description('changes the cloud refused for good (dead letters): list, replay, discard');
  for (const [name, help] of [
    ['list', 'list failed changes with the reason'],
    ['replay', 'put failed changes back in the queue (after fixing the cause)'],
    ['discard', 'drop failed changes for good (recorded in the audit log)'],
  ] as const) {
    const sub = dlq
      .command(name)
      .description(help)
      .option('-c, --config <file>', CONFIG_OPTION_HELP)
      .option('--limit <n>', 'at most this many (list)', positiveInt, 100)
      .option('--json', 'print as JSON (list)');
    if (name !== 'list') sub.argument('[ids...]', 'ids from "tya-agent dlq list"').option('--all', 'every failed change');
    sub.action(
      action(async (...args: unknown[]) => {
        const ids = name === 'list' ? [] : (args[0] as string[]);
        const opts = (name === 'list' ? args[0] : args[1]) as { config?: string; all?: boolean; limit: number; json?: boolean };
        return dlqCommand(name satisfies DlqAction, { ...opts, ids }, io);
      }),
    );
  }

  const secret = program.command('secret').description('manage secrets in the OS keychain (database passwords)');
  secret
    .command('set <ref>')
    .description('store a secret read from standard input, e.g. "printf %s PASSWORD | tya-agent secret set pos-db/password"')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((ref: string, opts: { config?: string }) => secretCommand('set', ref, opts, io)));
  secret
    .command('delete <ref>')
    .description('remove a secret')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((ref: string, opts: { config?: string }) => secretCommand('delete', ref, opts, io)));
  secret
    .command('check')
    .description('prove the keychain works (store, read back, remove a test secret)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action((opts: { config?: string }) => secretCommand('check', undefined, opts, io)));

  program
    .command('demo')
    .description('run a complete demo: a sample POS database read over ODBC, the sandbox cloud, and this agent')
    .option('--dir <dir>', 'where the demo keeps its files', '.demo')
    .option('--port <port>', 'sandbox cloud port', positiveInt, 8787)
    .option('--seed <n>', 'seed of the sample data', positiveInt, 7)
    .option('--duration-secs <n>', 'stop by itself after this long (default: run until Ctrl-C)', positiveInt)
    .action(action((opts: { dir: string; port: number; seed: number; durationSecs?: number }) => demoCommand(opts, io)));

  return program;
}

/** Parses argv and runs; commander's own usage errors become exit code 2. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<void> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    throw error;
  }
}
