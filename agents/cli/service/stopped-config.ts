/**
 * The config as `service notify-stopped` reads it. A config broken by hand (or by a deployment tool)
 * is one of the exits systemd gives up on, and the one where the alert matters most: nobody may be
 * at the server when it lands. So when the whole file does not validate, the sections the alert
 * needs are validated alone (who the agent is and where its data lives, its vault, its alert
 * channels) and the alert says what is wrong with the rest.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AgentConfigSchema, type AgentConfig } from '../../api/index.ts';
import type { AgentFilesConfig } from '../../engine/agent-files.ts';
import { stripJsonComments } from '../../engine/jsonc.ts';
import { loadConfigFile } from '../../engine/load-config.ts';
import { PermanentError } from '../../pipeline/errors.ts';
import { findConfigFile } from '../config-option.ts';

export interface StoppedAlertConfig {
  file: string;
  dataDir: string;
  config: AgentFilesConfig & Pick<AgentConfig, 'notify'>;
  /** Why the whole config does not load (the agent cannot start on it), or null when it does. */
  problem: string | null;
}

export function loadStoppedAlertConfig(option: string | undefined): StoppedAlertConfig {
  const file = findConfigFile(option);
  try {
    return { ...loadConfigFile(file), problem: null };
  } catch (error) {
    if (!(error instanceof PermanentError) || error.code !== 'config_invalid') throw error;
    const salvaged = alertSections(file);
    // Without a valid agent, vault or notify section there is nowhere to keep or send the alert.
    if (salvaged === null) throw error;
    return { ...salvaged, problem: error.message };
  }
}

function alertSections(file: string): Omit<StoppedAlertConfig, 'problem'> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(stripJsonComments(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const sections = raw as Record<string, unknown>;
  const shape = AgentConfigSchema.shape;
  const agent = shape.agent.safeParse(sections.agent);
  const vault = shape.vault.safeParse(sections.vault);
  const notify = shape.notify.safeParse(sections.notify);
  if (!agent.success || !vault.success || !notify.success) return null;
  // A broken outbox or logging section falls back to the defaults: neither changes where the alert is kept or sent.
  const outbox = shape.outbox.safeParse(sections.outbox);
  const logging = shape.logging.safeParse(sections.logging);
  return {
    file,
    dataDir: path.resolve(path.dirname(file), agent.data.dataDir),
    config: {
      agent: agent.data,
      vault: vault.data,
      notify: notify.data,
      outbox: outbox.success ? outbox.data : shape.outbox.parse(undefined),
      logging: logging.success ? logging.data : shape.logging.parse(undefined),
    },
  };
}

/** The validation problems on one line, short enough for an alert (the file's path is in them). */
export function configProblemWords(problem: string): string {
  const [head = '', ...fields] = problem.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const words = fields.length === 0 ? head : `${head} ${fields.join('; ')}`;
  return words.length > 600 ? `${words.slice(0, 600)}…` : words;
}
