/**
 * Configuration changes from the dashboard: validated with the same schema as the file
 * (parseConfigText), written atomically (temp file, fsync, rename) with the previous version kept in
 * `dataDir/config-history/`, so a bad value never reaches the file and a good one survives a restart.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfigInput } from '../../api/index.ts';
import { stripJsonComments } from '../../engine/jsonc.ts';
import { parseConfigText, type LoadedConfig } from '../../engine/load-config.ts';

const KEEP_VERSIONS = 20;

export interface ConfigVersion {
  file: string;
  savedAt: string;
}

export class ConfigStore {
  readonly file: string;
  readonly #historyDir: string;

  constructor(file: string, dataDir: string) {
    this.file = file;
    this.#historyDir = path.join(dataDir, 'config-history');
  }

  /** The file's content as written (defaults not filled in), for editing. */
  readRaw(): AgentConfigInput {
    return JSON.parse(stripJsonComments(readFileSync(this.file, 'utf8').replace(/^\uFEFF/, ''))) as AgentConfigInput;
  }

  /**
   * Applies `change` to the file's content, validates the result exactly as loading the file would
   * (throws the loader's PermanentError naming the field), then replaces the file atomically.
   */
  update(change: (raw: AgentConfigInput) => AgentConfigInput): LoadedConfig {
    const current = readFileSync(this.file, 'utf8');
    const next = change(this.readRaw());
    const text = `${JSON.stringify(next, null, 2)}\n`;
    const loaded = parseConfigText(text, this.file);
    this.#keep(current);
    writeAtomicSync(this.file, text);
    return loaded;
  }

  history(): ConfigVersion[] {
    let names: string[];
    try {
      names = readdirSync(this.#historyDir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names
      .sort()
      .reverse()
      .map((name) => ({ file: path.join(this.#historyDir, name), savedAt: statSync(path.join(this.#historyDir, name)).mtime.toISOString() }));
  }

  #keep(previous: string): void {
    mkdirSync(this.#historyDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    writeAtomicSync(path.join(this.#historyDir, `${path.basename(this.file, '.json')}-${stamp}.json`), previous);
    for (const old of this.history().slice(KEEP_VERSIONS)) rmSync(old.file, { force: true });
  }
}

function writeAtomicSync(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const mode = existingMode(file);
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function existingMode(file: string): number {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return 0o600;
  }
}
