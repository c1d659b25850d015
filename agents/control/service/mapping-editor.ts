/**
 * The dashboard's mapping editor (issue 13 items 5–6): lists the configured stream mappings, previews
 * an edited mapping on rows read from the real source (nothing is written, no checkpoint moves), and
 * saves it atomically where the config points. The running agent re-reads a mapping file when it
 * changes (stream-pipelines.ts), so a save applies to the next page read; queued records stay as sent.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfig, MappingEntry, MappingPreviewRequest, MappingPreviewView, StreamPipelineConfig } from '../../api/index.ts';
import { MappingPreviewRequestSchema } from '../../api/index.ts';
import type { Outbox } from '../../outbox/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import { parseMappingText } from '../../transforms/mapping/mapping-file.ts';
import { ControlHttpError } from '../control-routes.ts';
import type { ReferenceRows } from '../../engine/stream-pipeline/pipeline-rules.ts';

export interface MappingEditorHost {
  config: () => { config: AgentConfig; file: string };
  outbox: Outbox;
  resolver: () => SecretResolver;
  /** The reference lists and entity the stream's rules validate against (the running agent's cache). */
  validation?: { reference: ReferenceRows; entityOf(source: string): string };
}

export interface MappingEditorPort {
  listMappings(): MappingEntry[];
  previewMapping(request: MappingPreviewRequest): Promise<MappingPreviewView>;
  saveMapping(source: string, stream: string, text: string): Promise<MappingEntry>;
}

/**
 * The mapping checker and evaluator (jsonata, decimal.js), the rules validator (ajv) and every source
 * kind (to read sample rows) load at the editor's first preview or save, not when the agent starts:
 * an agent whose dashboard never opens the editor keeps them out of its memory (bench/footprint).
 * Loading them takes ~0.2 s once (as built, loaded 2-core machine); a preview then reads from a real source anyway.
 */
async function mappingTools() {
  const [mapping, sample, validation] = await Promise.all([
    import('../../transforms/mapping/index.ts'),
    import('../../engine/mapping-sample.ts'),
    import('../../engine/stream-pipeline/preview-validation.ts'),
  ]);
  return { checkMapping: mapping.checkMapping, previewMapping: mapping.previewMapping, sampleSourceRecords: sample.sampleSourceRecords, validatePreviewRows: validation.validatePreviewRows };
}

/** How long a preview may take to connect and read its sample rows. */
const PREVIEW_TIMEOUT_MS = 60_000;

export function createMappingEditor(host: MappingEditorHost): MappingEditorPort {
  const entries = () => host.config().config.streams;
  const resolve = (file: string | undefined) => (file === undefined ? null : path.resolve(path.dirname(host.config().file), file));
  const entryOf = (source: string, stream: string): StreamPipelineConfig => {
    const entry = entries().find((s) => s.source === source && s.stream === stream);
    if (entry === undefined) {
      throw new ControlHttpError(404, 'mapping_stream_unknown', `The config has no streams entry for ${source}/${stream}: add {"source": "${source}", "stream": "${stream}", "mapping": "FILE"} to "streams" in the config file first.`);
    }
    return entry;
  };
  const view = (entry: StreamPipelineConfig): MappingEntry => {
    const mappingFile = resolve(entry.mapping);
    const base = { source: entry.source, stream: entry.stream, mappingFile, rulesFile: resolve(entry.rules) };
    if (mappingFile === null) return { ...base, text: null };
    try {
      return { ...base, text: readFileSync(mappingFile, 'utf8') };
    } catch (error) {
      return { ...base, text: null, readError: `${mappingFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).` };
    }
  };

  return {
    listMappings: () => entries().map(view),

    async previewMapping(request) {
      const input = MappingPreviewRequestSchema.parse(request);
      const entry = entryOf(input.source, input.stream);
      const rulesNotPreviewed = entry.rules !== undefined;
      let mapping;
      try {
        mapping = parseMappingText(input.mapping, `The mapping for ${input.source}/${input.stream}`);
      } catch (error) {
        if (!(error instanceof AgentError)) throw error;
        return { invalid: error.hint === undefined ? error.message : `${error.message} ${error.hint}`, refusals: [], rows: [], mapped: 0, failed: 0, rulesNotPreviewed };
      }
      const { checkMapping, previewMapping, sampleSourceRecords, validatePreviewRows } = await mappingTools();
      // Refused mappings are not run, so no rows are read for them.
      if (checkMapping(mapping).length > 0) return { ...(await previewMapping(mapping, [])), rulesNotPreviewed };
      const { config } = host.config();
      const only = { ...config, sources: config.sources.filter((s) => s.name === input.source) };
      const samples = await sampleSourceRecords(only, input.stream, input.rows, host.resolver(), AbortSignal.timeout(PREVIEW_TIMEOUT_MS));
      const preview = await previewMapping(mapping, samples);
      const rows = preview.rows.map(({ elapsedMs: _elapsed, ...row }) => row);
      const rulesFile = resolve(entry.rules);
      if (rulesFile !== null && host.validation !== undefined) {
        try {
          validatePreviewRows(rows, rulesFile, { entity: host.validation.entityOf(input.source), reference: host.validation.reference });
        } catch (error) {
          return { invalid: `The rules file ${rulesFile} does not load: ${(error as Error).message}`, refusals: [], rows: [], mapped: 0, failed: 0, rulesNotPreviewed: true };
        }
        return { refusals: preview.refusals, rows, mapped: preview.mapped, failed: preview.failed, rulesNotPreviewed: false };
      }
      return { refusals: preview.refusals, rows, mapped: preview.mapped, failed: preview.failed, rulesNotPreviewed };
    },

    async saveMapping(source, stream, text) {
      const entry = entryOf(source, stream);
      const file = resolve(entry.mapping);
      if (file === null) {
        throw new ControlHttpError(400, 'mapping_not_configured', `The streams entry for ${source}/${stream} names no mapping file: add "mapping": "FILE" to it in the config file (the dashboard changes existing mapping files only).`);
      }
      let mapping;
      try {
        mapping = parseMappingText(text, path.basename(file));
      } catch (error) {
        if (error instanceof AgentError) throw new ControlHttpError(400, 'mapping_invalid', `Not saved: ${error.message}`);
        throw error;
      }
      if (mapping.stream !== stream) {
        throw new ControlHttpError(400, 'mapping_stream_mismatch', `Not saved: the mapping says "stream": "${mapping.stream}", but it is for the stream "${stream}".`);
      }
      const refusals = (await mappingTools()).checkMapping(mapping);
      if (refusals.length > 0) {
        throw new ControlHttpError(400, 'mapping_refused', `Not saved: the mapping is refused. ${refusals.map((r) => r.message).join(' ')}`);
      }
      writeAtomically(file, text);
      host.outbox.audit.record({ event: 'config-changed', subject: `mappings/${source}/${stream}`, details: { file: path.basename(file) } });
      return view(entry);
    },
  };
}

/** Temp file beside the target, then rename: the agent never reads half a mapping. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, text, { encoding: 'utf8', mode: 0o640 });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new AgentError('mapping_unwritable', `${file} could not be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, {
      hint: 'The agent needs write access to the mapping file and its folder.',
    });
  }
}
