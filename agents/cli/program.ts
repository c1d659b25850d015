import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { AGENT_VERSION } from '../engine/version.ts';
import { processIo, type CliIo } from './cli-io.ts';
import { exitCodeFor, printError } from './cli-error.ts';
import { CONFIG_OPTION_HELP } from './config-option.ts';
import { EXIT_CODE_HELP, ExitCode, type ExitCodeValue } from './exit-codes.ts';
import type { DlqAction } from './commands/dlq.ts';
import type { DiscoverOptions } from './commands/discover.ts';
import type { ParseCommandOptions } from './commands/parse.ts';
import type { ImportOptions } from './commands/import.ts';
import { registerOpenUiCommand } from './commands/open-ui.ts';
import { registerServiceCommand, SERVICE_OPTION_HELP } from './commands/service.ts';
import { registerMappingCommands } from './commands/mapping.ts';
import { registerReferenceCommands } from './commands/reference.ts';
import { registerQuarantineCommands } from './commands/quarantine-register.ts';
// Each command's module is loaded when it runs: the long-running agent (`run`) keeps the others'
// dependencies (exceljs for `import`, the sandbox for `demo`) out of its memory.

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

/**
 * The `tya-agent` command line. Each action returns its exit code; expected failures print a
 * sentence and what to do, and map to the documented exit codes.
 */
export function buildProgram(
  io: CliIo = processIo,
  setExitCode: (code: ExitCodeValue) => void = (c) => (process.exitCode = c),
): Command {
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
    .command('init')
    .description('write a starting config: the cloud set, sources and alert channels as commented examples, then what to do next')
    .requiredOption('--url <url>', 'cloud API base URL, e.g. https://api.talktoyouraccounts.example')
    .requiredOption('--entity <slug>', 'the books this agent sends to, e.g. store-7')
    .option('--name <name>', 'name shown in the cloud and in status (default: this computer\'s name)')
    .option('--data-dir <dir>', 'queue, logs and control token, relative to the config file (default: data)')
    .option('-o, --output <file>', 'where to write it (default: ./tya-agent.json, where the other commands look first)')
    .option('--force', 'replace an existing file')
    .action(
      action(async (opts: { url: string; entity: string; name?: string; dataDir?: string; output?: string; force?: boolean }) =>
        (await import('./commands/init.ts')).initCommand(opts, io),
      ),
    );

  program
    .command('enroll')
    .description('connect this agent to the cloud with a one-time enrollment key (secrets go to the OS keychain)')
    .requiredOption('--url <url>', 'cloud API base URL, e.g. https://api.talktoyouraccounts.example')
    .option(
      '--key <source>',
      '"-" reads the enrollment key from standard input (never give the key itself here: ps shows it)',
    )
    .option('--key-file <file>', 'read the enrollment key from this file; default: $TYA_ENROLLMENT_KEY')
    .option('--name <name>', 'name shown in the cloud (default: agent.name from the config)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--service', SERVICE_OPTION_HELP)
    .action(
      action(async (opts: { url: string; key?: string; keyFile?: string; name?: string; config?: string; service?: boolean }) =>
        (await import('./commands/enroll.ts')).enrollCommand(opts, io),
      ),
    );

  program
    .command('run')
    .description('run the agent in the foreground (what the service runs); Ctrl-C or SIGTERM stops it cleanly')
    .addHelpText(
      'after',
      '\nOne agent per data folder: a second "run" exits at once with exit code 9, naming the running agent\'s pid.',
    )
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action(async (opts: { config?: string }) => (await import('./commands/run.ts')).runCommand(opts, io)));

  program
    .command('status')
    .description('say in plain words whether the agent runs, reaches the cloud, and what is queued or failing')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      '\nExit code: 0 healthy, 3 a condition holds or an event is not acknowledged ("tya-agent alerts"), 8 the agent is not running.',
    )
    .action(
      action(async (opts: { config?: string; json?: boolean }) =>
        (await import('./commands/status.ts')).statusCommand(opts, io),
      ),
    );

  program
    .command('sync')
    .description('read every source and send now (asks the running agent, or runs once until done)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--source <name>', 'only this source')
    .option('--timeout-secs <n>', 'give up waiting after this long (the rest stays queued)', positiveInt, 600)
    .addHelpText(
      'after',
      '\nEnds by itself, with a sentence saying why and what to do, as soon as nothing can progress; the queue is kept.\n' +
        'Exit code: 0 up to date, 3 refused changes or not finished in time, 6 not enrolled (nothing was read),\n' +
        '10 revoked, 11 delivery halted by the cloud, 12 every source paused or failing, 9 another one-shot command holds the data folder.',
    )
    .action(
      action(async (opts: { config?: string; source?: string; timeoutSecs: number }) =>
        (await import('./commands/sync.ts')).syncCommand(opts, io),
      ),
    );

  const dlq = program
    .command('dlq')
    .description('changes the cloud refused for good (dead letters): list, replay, discard');
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
    if (name !== 'list')
      sub.argument('[ids...]', 'ids from "tya-agent dlq list"').option('--all', 'every failed change');
    sub.action(
      action(async (...args: unknown[]) => {
        const ids = name === 'list' ? [] : (args[0] as string[]);
        const opts = (name === 'list' ? args[0] : args[1]) as {
          config?: string;
          all?: boolean;
          limit: number;
          json?: boolean;
        };
        return (await import('./commands/dlq.ts')).dlqCommand(name satisfies DlqAction, { ...opts, ids }, io);
      }),
    );
  }

  const sftp = program.command('sftp').description('file exchange with banks over SFTP (docs/sftp.md)');
  sftp
    .command('check <name>')
    .description('connect to a configured SFTP server (host key pin, keychain credential) and list its folders')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action(async (name: string, opts: { config?: string }) => (await import('./commands/sftp.ts')).sftpCheckCommand(name, opts, io)));
  sftp
    .command('list')
    .description('files fetched from and pushed to SFTP servers')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print as JSON')
    .action(action(async (opts: { config?: string; json?: boolean }) => (await import('./commands/sftp.ts')).sftpListCommand(opts, io)));
  program.command('sink').description('broker sinks publishing captured streams (docs/rabbitmq-sink.md)')
    .command('list').description('per sink: queued, published and unconfirmed, confirmed, republished, last error')
    .option('-c, --config <file>', CONFIG_OPTION_HELP).option('--json', 'print as JSON')
    .action(action(async (opts: { config?: string; json?: boolean }) => (await import('./commands/sink.ts')).sinkListCommand(opts, io)));
  const writeback = program.command('writeback').description("the cloud's write-back items and conflicts waiting for a person");
  const wb = (name: string, help: string) =>
    writeback.command(name).description(help).option('-c, --config <file>', CONFIG_OPTION_HELP).option('--json', 'print as JSON');
  const runWb = async (name: 'list' | 'conflicts' | 'resolve' | 'confirm', opts: Record<string, unknown>) =>
    (await import('./commands/writeback.ts')).writebackCommand(name, opts, io);
  wb('list', 'items and their states').action(action(async (opts: Record<string, unknown>) => runWb('list', opts)));
  wb('conflicts', 'conflicts side by side: field, base, cloud, premises').action(action(async (opts: Record<string, unknown>) => runWb('conflicts', opts)));
  wb('resolve', 'resolve a conflict per field')
    .argument('<id>')
    .option('--field <name=side...>', 'name=cloud|premises|base, per field')
    .option('--set <name=value...>', 'a value of your own for a field (text as the target stores it)')
    .option('--set-null <name...>', 'write NULL into a field')
    .option('--all <side>', 'cloud or premises for every field')
    .action(action(async (id: string, opts: Record<string, unknown>) => runWb('resolve', { ...opts, id })));
  wb('confirm', 'say whether an interrupted item (outcome_unknown) is in the target')
    .argument('<id>')
    .option('--applied', 'it is in the target')
    .option('--not-applied', 'it is not; write it again')
    .action(action(async (id: string, opts: Record<string, unknown>) => runWb('confirm', { ...opts, id })));

  const alerts = program
    .command('alerts')
    .description('what needs a person: conditions (last while their cause does) and events (stay until acknowledged)');
  alerts
    .command('list', { isDefault: true })
    .description('list conditions and events with their codes')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExit code: 0 nothing raised, 3 something needs attention.')
    .action(
      action(async (opts: { config?: string; json?: boolean }) =>
        (await import('./commands/alerts.ts')).alertsCommand('list', { ...opts, codes: [] }, io),
      ),
    );
  alerts
    .command('ack')
    .description(
      'acknowledge events (a short shift, a rejected file) once you have looked; conditions cannot be acknowledged',
    )
    .argument('[codes...]', 'codes from "tya-agent alerts"')
    .option('--all', 'every event')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code: 0 all acknowledged, 3 some codes were conditions or not raised, 2 wrong usage.')
    .action(
      action(async (codes: string[], opts: { config?: string; all?: boolean; json?: boolean }) =>
        (await import('./commands/alerts.ts')).alertsCommand('ack', { ...opts, codes }, io),
      ),
    );
  alerts
    .command('test')
    .description('send a test notice through every configured alert channel (webhook, e-mail, syslog, event log) and say what each did')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--service', "use the installed service's live config and vault (/var/lib/tya-agent); as root, works as the service user")
    .option('--channel <names...>', 'only these: webhook, email, syslog, eventLog (a webhook may page someone)')
    .option('--json', 'print the outcome per channel as JSON')
    .addHelpText('after', '\nThrough the running agent when there is one. Exit code: 0 every channel took it, 3 one failed or none is configured.')
    .action(
      action(async (opts: { config?: string; service?: boolean; json?: boolean; channel?: string[] }) => (await import('./commands/alerts-test.ts')).alertsTestCommand(opts, io)),
    );

  const secret = program.command('secret').description('manage secrets in the OS keychain (database passwords)');
  secret
    .command('set <ref>')
    .description(
      'store a secret read from standard input, e.g. "printf %s PASSWORD | tya-agent secret set pos-db/password"',
    )
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--service', SERVICE_OPTION_HELP)
    .action(
      action(async (ref: string, opts: { config?: string; service?: boolean }) =>
        (await import('./commands/secret.ts')).secretCommand('set', ref, opts, io),
      ),
    );
  secret
    .command('delete <ref>')
    .description('remove a secret')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--service', SERVICE_OPTION_HELP)
    .action(
      action(async (ref: string, opts: { config?: string; service?: boolean }) =>
        (await import('./commands/secret.ts')).secretCommand('delete', ref, opts, io),
      ),
    );
  secret
    .command('check')
    .description('prove the keychain works (store, read back, remove a test secret)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--service', SERVICE_OPTION_HELP)
    .action(
      action(async (opts: { config?: string; service?: boolean }) =>
        (await import('./commands/secret.ts')).secretCommand('check', undefined, opts, io),
      ),
    );

  const audit = program.command('audit').description('the tamper-evident log of security events: check it, or list its entries');
  audit
    .command('verify')
    .description('check every entry\'s hash link and MAC, and that the head the cloud acknowledged is still there')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code: 0 intact, 3 tampering or a lost key (the first bad entry and why are printed).')
    .action(action(async (opts: { config?: string; json?: boolean }) => (await import('./commands/audit.ts')).auditCommand('verify', { ...opts, limit: 0 }, io)));
  audit
    .command('list')
    .description('who did what: enrollment, rotations, config and credential changes, commands, dead-letter decisions')
    .option('--since <time>', 'only entries from this date or RFC 3339 time on')
    .option('--limit <n>', 'at most this many (the newest)', positiveInt, 200)
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print as JSON')
    .action(action(async (opts: { config?: string; since?: string; limit: number; json?: boolean }) => (await import('./commands/audit.ts')).auditCommand('list', opts, io)));

  program
    .command('discover')
    .description(
      "list what an ODBC source can read: schemas, tables, a table's columns with types and key, its first rows",
    )
    .option('--source <name>', 'the ODBC source (its name in the config); may be left out when there is only one')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--schema <name>', 'only the tables of this schema (MariaDB: database)')
    .option('--table <name>', 'describe this table (schema.table or table)')
    .option('--preview <n>', 'with --table: show its first n rows as the agent would send them', positiveInt)
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExit code: 0 done, 3 the source or table could not be read (the reason is printed), 2 wrong usage.',
    )
    .action(
      action(async (opts: DiscoverOptions) => (await import('./commands/discover.ts')).discoverCommand(opts, io)),
    );

  program
    .command('doctor')
    .description(
      'check this machine and config in plain words: Node, config, disk, keychain, ODBC drivers and DSNs, sources, cloud, clock',
    )
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--timeout-secs <n>', 'how long the cloud may take to answer', positiveInt, 5)
    .addHelpText(
      'after',
      '\nExit code: 0 nothing failed (warnings are marked !), 3 something failed (marked ✗, with what to do).',
    )
    .action(
      action(async (opts: { config?: string; timeoutSecs: number }) =>
        (await import('./commands/doctor.ts')).doctorCommand(opts, io),
      ),
    );

  program
    .command('support-bundle')
    .description(
      'write one zip for support: config, status, doctor, queue figures, the newest log; secrets removed, no record data',
    )
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('-o, --output <file>', 'where to write the zip (default: tya-support-<agent>-<time>.zip here)')
    .action(
      action(async (opts: { config?: string; output?: string }) =>
        (await import('./commands/support-bundle.ts')).supportBundleCommand(opts, io),
      ),
    );

  program
    .command('backup')
    .description('write an encrypted backup (config, outbox, audit key, SFTP ledger; no credentials) to move to a new server')
    .requiredOption('-o, --output <file>', 'where to write the backup')
    .option('--passphrase-file <file>', 'read the passphrase from this file (default: standard input)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(
      action(async (opts: { config?: string; output: string; passphraseFile?: string }) =>
        (await import('./commands/backup.ts')).backupCommand(opts, io),
      ),
    );

  program
    .command('restore <file>')
    .description('restore a backup on this machine, then enroll again and hand the sources over (docs/backup-restore.md)')
    .option('-c, --config <file>', 'where to write the config file; its agent.dataDir receives the outbox', 'tya-agent.json')
    .option('--passphrase-file <file>', 'read the passphrase from this file (default: standard input)')
    .option('--force', 'replace an existing config file and outbox')
    .action(
      action(async (file: string, opts: { config?: string; passphraseFile?: string; force?: boolean }) =>
        (await import('./commands/restore.ts')).restoreCommand(file, opts, io),
      ),
    );

  program
    .command('export <name>')
    .description('run a configured export (a table or query over an ODBC source) into a local CSV or JSON-lines file')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('-o, --output <file>', 'where to write it (default: <name>-<time>.<csv|jsonl> here)')
    .addHelpText('after', '\nThe cloud runs the same export with its run-export command, and "readAt" runs it on a schedule; both upload it.')
    .action(
      action(async (name: string, opts: { config?: string; output?: string }) =>
        (await import('./commands/export.ts')).exportCommand(name, opts, io),
      ),
    );

  program
    .command('demo')
    .description('run a complete demo: a sample POS database read over ODBC, the sandbox cloud, and this agent')
    .option('--dir <dir>', 'where the demo keeps its files', '.demo')
    .option('--port <port>', 'sandbox cloud port', positiveInt, 8787)
    .option('--seed <n>', 'seed of the sample data', positiveInt, 7)
    .option('--duration-secs <n>', 'stop by itself after this long (default: run until Ctrl-C)', positiveInt)
    .action(
      action(async (opts: { dir: string; port: number; seed: number; durationSecs?: number }) =>
        (await import('./commands/demo.ts')).demoCommand(opts, io),
      ),
    );

  program
    .command('parse <file>')
    .description(
      'read a bank statement or shift-close (Z) file as a watched folder would, and say whether it would be accepted',
    )
    .option(
      '--profile <name>',
      'CSV/Excel column profile: a built-in name or a profile JSON file (default: recognised by the header, or proposed by detection)',
    )
    .option(
      '--save-profile <file.json>',
      'CSV: write the profile used (the proposed one, or the built-in one that fits) to this file, for --profile',
    )
    .option(
      '--date-format <format>',
      'CSV detection: how the dates are written when the file does not say, e.g. DD/MM/YYYY or MM/DD/YYYY',
    )
    .option('--decimal-separator <sep>', 'CSV detection: "." or "," when the amounts do not say (e.g. 1.250)')
    .option('--currency <code>', 'CSV detection: the account currency when the file names none, e.g. EUR')
    .option(
      '--kind <kind>',
      'auto, bank or zreport',
      (v: string) => {
        if (v !== 'auto' && v !== 'bank' && v !== 'zreport')
          throw new InvalidArgumentError('expected auto, bank or zreport');
        return v;
      },
      'auto',
    )
    .option(
      '--encoding <label>',
      'code page of MT940/OFX/BAI2 files that are not UTF-8, and of a CSV whose code page detection cannot settle, e.g. windows-1252',
    )
    .option('--time-zone <zone>', 'IANA zone of shift times written without an offset', 'UTC')
    .option('--all', 'list every entry (the text output shows the first 20 per statement)')
    .option('--json', 'print the normalized statement(s) or report as JSON')
    .addHelpText(
      'after',
      '\nExit code: 0 the file would be accepted, 3 it would be rejected (the reason is printed), 2 wrong usage.',
    )
    .action(
      action(async (file: string, opts: ParseCommandOptions) =>
        (await import('./commands/parse.ts')).parseCommand(file, opts, io),
      ),
    );

  program
    .command('import <file>')
    .description(
      'load records from a CSV, Excel or JSON file into a stream; they are queued and sent like any other change',
    )
    .requiredOption('--stream <name>', 'the stream the records belong to, e.g. customers')
    .requiredOption(
      '--key <columns>',
      'the column(s) that identify a record, comma-separated, e.g. customer_id or store,sku',
    )
    .option('--source <name>', 'the source name the cloud sees (not one of the configured sources)', 'import')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the summary (accepted, rejected lines with reasons) as JSON')
    .addHelpText(
      'after',
      '\nExit code: 0 every line taken, 3 some lines rejected (each is listed with its reason), 2 wrong usage.',
    )
    .action(
      action(async (file: string, opts: ImportOptions) =>
        (await import('./commands/import.ts')).importCommand(file, opts, io),
      ),
    );

  registerOpenUiCommand(program, action, io);
  registerServiceCommand(program, action, io);
  registerMappingCommands(program, action, io);
  registerReferenceCommands(program, action, io);
  registerQuarantineCommands(program, action, io);
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
