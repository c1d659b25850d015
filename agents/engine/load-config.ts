import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import path from 'node:path';
import { AgentConfigSchema, type AgentConfig } from '../api/index.ts';
import { PermanentError } from '../pipeline/errors.ts';
import { lineAndColumn, stripJsonComments } from './jsonc.ts';
import { knownKeysAt, suggestKeys } from './config-keys.ts';

export interface LoadedConfig {
  config: AgentConfig;
  /** Absolute path of the file it came from. */
  file: string;
  /** `agent.dataDir` resolved against the config file's folder. */
  dataDir: string;
}

/** Reads, parses and validates a config file; every problem names the file, the line or field, and what was expected. */
export function loadConfigFile(file: string): LoadedConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new PermanentError('config_unreadable', `Cannot read the config file ${absolute}.`, {
      hint: 'Check the path given with --config (or TYA_CONFIG) and that the agent user may read it.',
      cause: error,
    });
  }
  return parseConfigText(text, absolute);
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  const stripped = stripJsonComments(text.replace(/^\uFEFF/, ''));
  let raw: unknown;
  try {
    raw = JSON.parse(stripped);
  } catch (error) {
    const message = (error as Error).message;
    const line = /line (\d+)/.exec(message)?.[1];
    const offset = /position (\d+)/.exec(message)?.[1];
    const where =
      line !== undefined
        ? ` at line ${line}`
        : offset !== undefined
          ? ` at line ${lineAndColumn(stripped, Number(offset)).line}`
          : '';
    throw new PermanentError('config_invalid', `${file}${where}: not valid JSON (${message}).`, {
      hint: 'The config is JSON with // comments allowed. See the README section "Configuration".',
    });
  }
  const parsed = AgentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${formatPath(issue.path)}: ${describeIssue(issue, raw)}`)
      .join('\n');
    throw new PermanentError('config_invalid', `${file} is not a valid agent configuration:\n${problems}`, {
      hint: 'Fix the fields listed above. The README section "Configuration" has a complete commented example.',
    });
  }
  const dataDir = path.resolve(path.dirname(file), parsed.data.agent.dataDir);
  return { config: parsed.data, file, dataDir };
}

/** zod's words, plus "did you mean" for a misspelled key. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const suggestions = suggestKeys(issue.keys, knownKeysAt(AgentConfigSchema, issue.path, raw));
  const keys = issue.keys.map((key) => {
    const meant = suggestions.get(key);
    return meant === undefined ? `"${key}"` : `"${key}" (did you mean "${meant}"?)`;
  });
  return `unknown key${keys.length === 1 ? '' : 's'} ${keys.join(', ')}`;
}

function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  if (segments.length === 0) return '(top level)';
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${String(s)}`)).join('');
}
