/** Registers `tya-agent quarantine …`; the work is in quarantine.ts, loaded when a subcommand runs. */
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { CONFIG_OPTION_HELP } from '../config-option.ts';
import type { ExitCodeValue } from '../exit-codes.ts';
import type { QuarantineCliOptions } from './quarantine.ts';

type Action = <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) => (...args: A) => Promise<void>;

export function registerQuarantineCommands(program: Command, action: Action, io: CliIo): void {
  const q = program
    .command('quarantine')
    .description('records stopped by their mapping or validation: list, show, edit, replay, discard (docs/quarantine.md)');
  const run = async (verb: 'list' | 'show' | 'edit' | 'replay' | 'discard', ids: string[], opts: QuarantineCliOptions) =>
    (await import('./quarantine.ts')).quarantineCommand(verb, ids, opts, io);
  q.command('list')
    .description('waiting records with why they were stopped (status: quarantined, held, superseded)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--source <name>', 'only this source')
    .option('--stream <name>', 'only this stream')
    .option('--status <status>', 'waiting (default), quarantined, held, superseded, replayed, discarded or all')
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'print as JSON')
    .action(action((opts: QuarantineCliOptions) => run('list', [], opts)));
  q.command('show <id>')
    .description('one record: its data as read, the first version if edited, every reason')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print as JSON')
    .action(action((id: string, opts: QuarantineCliOptions) => run('show', [id], opts)));
  q.command('edit <id>')
    .description('correct the record as read: --set field=value (repeatable; value as JSON or text) or --data file.json')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--set <field=value>', 'set one field', (v: string, all: string[] = []) => [...all, v])
    .option('--data <file>', 'replace the whole record with this JSON object')
    .action(action((id: string, opts: QuarantineCliOptions) => run('edit', [id], opts)));
  for (const [verb, help] of [
    ['replay', 'run records again through the current mapping and rules; a group goes whole; superseded ones are never sent'],
    ['discard', 'drop records for good (recorded in the audit log)'],
  ] as const) {
    q.command(`${verb} [ids...]`)
      .description(help)
      .option('-c, --config <file>', CONFIG_OPTION_HELP)
      .option('--all', 'every waiting record (of --source / --stream when given)')
      .option('--source <name>', 'only this source')
      .option('--stream <name>', 'only this stream')
      .option('--json', 'print the result as JSON')
      .action(action((ids: string[], opts: QuarantineCliOptions) => run(verb, ids, opts)));
  }
}
