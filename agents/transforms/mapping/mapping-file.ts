/**
 * Reads a mapping file (JSON, // comments allowed) and checks its shape, naming the file, the line of
 * a JSON error and the path of every wrong field. The CLI and the running agent read mappings here.
 */
import { readFileSync } from 'node:fs';
import { MappingConfigSchema, type MappingConfig } from '../../api/index.ts';
import { lineAndColumn, stripJsonComments } from '../../engine/jsonc.ts';
import { AgentError } from '../../pipeline/errors.ts';

const HINT = 'A mapping is {"stream": …, "input": {field: type}, "fields": {target: {"expr": …, "type": …}}}: see docs/mappings.md.';

export function readMappingFile(file: string): MappingConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentError('mapping_file_missing', `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, { hint: 'Check the path.' });
  }
  return parseMappingText(text, file);
}

/** Parses a mapping's text (the dashboard's editor sends text, not a file); `name` names it in errors. */
export function parseMappingText(text: string, name: string): MappingConfig {
  const file = name;
  const stripped = stripJsonComments(text.replace(/^\uFEFF/, ''));
  let raw: unknown;
  try {
    raw = JSON.parse(stripped);
  } catch (error) {
    const message = (error as Error).message;
    const offset = /position (\d+)/.exec(message)?.[1];
    const where = offset === undefined ? '' : ` at line ${lineAndColumn(stripped, Number(offset)).line}`;
    throw new AgentError('mapping_file_invalid', `${file}${where}: not valid JSON (${message}).`, { hint: HINT });
  }
  const parsed = MappingConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`).join('\n');
    throw new AgentError('mapping_file_invalid', `${file} is not a valid mapping:\n${problems}`, { hint: HINT });
  }
  return parsed.data;
}
