/**
 * `tya-agent mapping check FILE` and `tya-agent mapping preview` (issue 13 items 1 and 6): the
 * save-time money check of a mapping file, and the mapping tried on sample records, from the
 * configured source (read without writing a checkpoint) or from a JSON-lines file.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { CONFIG_OPTION_HELP } from '../config-option.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';

export interface MappingCheckOptions {
  json?: boolean;
}

export interface MappingPreviewOptions {
  mapping: string;
  stream?: string;
  sample: number;
  input?: string;
  /** A rules file: the outputs are cleansed and validated too (docs/validation.md). */
  rules?: string;
  config?: string;
  json?: boolean;
}

export async function mappingCheckCommand(file: string, options: MappingCheckOptions, io: CliIo): Promise<ExitCodeValue> {
  const { loadMappingFile } = await import('./mapping-file.ts');
  const { checkMapping } = await import('../../transforms/mapping/index.ts');
  const mapping = await loadMappingFile(file);
  const refusals = checkMapping(mapping);
  if (options.json) io.out(JSON.stringify({ stream: mapping.stream, accepted: refusals.length === 0, refusals }, null, 2));
  else if (refusals.length === 0) io.out(`${file}: the mapping for "${mapping.stream}" may be saved (${Object.keys(mapping.fields).length} fields checked).`);
  else {
    io.out(`${file}: the mapping for "${mapping.stream}" is refused:`);
    for (const r of refusals) io.out(`  ${r.message}`);
  }
  return refusals.length === 0 ? ExitCode.ok : ExitCode.incomplete;
}

export async function mappingPreviewCommand(options: MappingPreviewOptions, io: CliIo): Promise<ExitCodeValue> {
  const { loadMappingFile } = await import('./mapping-file.ts');
  const { previewMapping, readSampleFile, SampleFileError } = await import('../../transforms/mapping/index.ts');
  const { describePreview } = await import('./mapping-output.ts');
  const mapping = await loadMappingFile(options.mapping);
  const stream = options.stream ?? mapping.stream;
  let samples;
  let from: string;
  if (options.input !== undefined) {
    samples = await readSampleFile(options.input, stream, options.sample).catch((error: unknown) => {
      if (error instanceof SampleFileError) throw new CliError(ExitCode.usage, error.code, error.message);
      throw error;
    });
    from = options.input;
  } else {
    samples = await readFromSource(options, stream);
    from = `stream "${stream}"`;
  }
  const preview = await previewMapping(mapping, samples);
  if (options.rules !== undefined) await (await import('./mapping-preview-rules.ts')).validatePreview(preview, options.rules, options.config);
  if (options.json) io.out(JSON.stringify({ source: from, ...preview }, null, 2));
  else io.out(describePreview(preview, from).join('\n'));
  const invalid = preview.rows.some((row) => row.validation?.some((f) => f.severity !== 'warn'));
  return preview.refusals.length === 0 && preview.failed === 0 && !invalid ? ExitCode.ok : ExitCode.incomplete;
}

async function readFromSource(options: MappingPreviewOptions, stream: string) {
  const { resolveConfig } = await import('../config-option.ts');
  const { installationSecrets } = await import('./installation-secrets.ts');
  const { sampleSourceRecords } = await import('../../engine/mapping-sample.ts');
  const { AgentError } = await import('../../pipeline/errors.ts');
  const loaded = resolveConfig(options.config);
  try {
    return await sampleSourceRecords(loaded.config, stream, options.sample, installationSecrets(loaded).resolver, AbortSignal.timeout(60_000));
  } catch (error) {
    if (error instanceof AgentError && !(error instanceof CliError)) {
      const usage = error.code.startsWith('mapping_');
      throw new CliError(usage ? ExitCode.usage : ExitCode.incomplete, error.code, error.message, error.hint === undefined ? {} : { hint: error.hint });
    }
    throw error;
  }
}

function sampleCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('expected a whole number from 1 to 1000');
  return n;
}

/** Adds `mapping check` and `mapping preview` to the program (one line in program.ts). */
export function registerMappingCommands(
  program: Command,
  action: <A extends unknown[]>(fn: (...args: A) => Promise<ExitCodeValue>) => (...args: A) => Promise<void>,
  io: CliIo,
): void {
  const mapping = program.command('mapping').description('check a stream mapping (JSONata with money helpers) and preview it on sample records');
  mapping
    .command('check <file>')
    .description('run the save-time check on a mapping file: float arithmetic on money, $eval and flows the checker cannot follow are refused')
    .option('--json', 'print the refusals as JSON')
    .addHelpText('after', '\nExit code: 0 the mapping may be saved, 3 it is refused (each reason is printed), 2 or 4 the file is unreadable or not a mapping.')
    .action(action((file: string, opts: MappingCheckOptions) => mappingCheckCommand(file, opts, io)));
  mapping
    .command('preview')
    .description('map sample records and show each input beside its output or error')
    .requiredOption('--mapping <file>', 'the mapping file (docs/mappings.md)')
    .option('--stream <name>', "the stream to read samples from (default: the mapping's stream)")
    .option('--sample <n>', 'how many records', sampleCount, 10)
    .option('--input <file>', 'read the samples from this JSON-lines file instead of the configured source')
    .option('--rules <file>', 'also cleanse and validate each output with this rules file (docs/validation.md)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the preview as JSON')
    .addHelpText('after', '\nReading from the source moves nothing: no checkpoint is written.\nExit code: 0 every record mapped (and valid), 3 the mapping is refused or some records failed, 2 wrong usage.')
    .action(action((opts: MappingPreviewOptions) => mappingPreviewCommand(opts, io)));
  mapping
    .command('resend')
    .description("re-read a stream and send it again under its current mapping, with the stream's schemaVersion raised so the cloud knows the new shape")
    .requiredOption('--source <name>', 'the source')
    .requiredOption('--stream <name>', 'the stream')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(action(async (opts: { source: string; stream: string; config?: string }) => (await import('./mapping-resend.ts')).mappingResendCommand(opts, io)));
}
