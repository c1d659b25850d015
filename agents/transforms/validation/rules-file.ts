/** Reads a stream's rules file (JSONC) with errors that name the file, the line and the field. */
import { readFileSync } from 'node:fs';
import { ValidationConfigSchema, type ValidationConfig } from '../../api/index.ts';
import { lineAndColumn, stripJsonComments } from '../../engine/jsonc.ts';
import { RulesFileError } from './types.ts';

const HINT = 'A rules file is {"stream": …, "cleanse": …, "schema": …, "rules": […], "duplicates": {"key": […]}}: see docs/validation.md.';

export function readRulesFile(file: string): ValidationConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RulesFileError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path.`);
  }
  return parseRulesText(text, file);
}

export function parseRulesText(text: string, file: string): ValidationConfig {
  const stripped = stripJsonComments(text.replace(/^\uFEFF/, ''));
  let raw: unknown;
  try {
    raw = JSON.parse(stripped);
  } catch (error) {
    const message = (error as Error).message;
    const offset = /position (\d+)/.exec(message)?.[1];
    const where = offset === undefined ? '' : ` line ${lineAndColumn(stripped, Number(offset)).line}`;
    throw new RulesFileError(`${file}${where}: not valid JSON (${message}). ${HINT}`);
  }
  const parsed = ValidationConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`).join('; ');
    throw new RulesFileError(`${file}: not a valid rules file: ${problems}. ${HINT}`);
  }
  return parsed.data;
}
