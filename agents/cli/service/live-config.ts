/**
 * The service's live config, made once from the one in /etc/tya-agent: the agent runs on it and the
 * dashboard edits it, so it lives in the (writable) data dir; /etc keeps what the service started from.
 */
import path from 'node:path';
import type { AgentConfig } from '../../api/index.ts';
import { stripJsonComments } from '../../engine/jsonc.ts';
import { parseConfigText } from '../../engine/load-config.ts';

export interface LiveConfig {
  text: string;
  /** What was changed from the /etc config, in words, for the install's output. */
  changes: string[];
}

/** `etcText` turned into the live config placed in the data dir (`liveFile`). Throws with the /etc file's problems. */
export function liveConfigFrom(etcText: string, etcFile: string, liveFile: string): LiveConfig {
  parseConfigText(etcText, etcFile);
  const raw = JSON.parse(stripJsonComments(etcText.replace(/^\uFEFF/, ''))) as { agent: { dataDir: string }; vault?: unknown };
  const changes: string[] = [];
  if (raw.agent.dataDir !== '.') {
    changes.push(`agent.dataDir "${raw.agent.dataDir}" → "." (the data dir ${path.dirname(liveFile)})`);
    raw.agent.dataDir = '.';
  }
  if (raw.vault === undefined) {
    // A service has no desktop keychain: the encrypted file is chosen here, and said so, never silently.
    raw.vault = { backend: 'service-file' };
    changes.push('vault.backend "service-file" (a service has no desktop keychain; secrets go to an encrypted file only the service user can read)');
  }
  const text = `${JSON.stringify(raw, null, 2)}\n`;
  parseConfigText(text, liveFile);
  return { text, changes };
}

/** Folders outside the data dir the service must write: folder sources move files to their archive and quarantine. */
export function folderWritePaths(config: AgentConfig): string[] {
  const paths = new Set<string>();
  for (const source of config.sources) {
    if (source.type !== 'folder') continue;
    paths.add(source.path);
    for (const dir of [source.archiveDir, source.quarantineDir]) if (path.isAbsolute(dir)) paths.add(dir);
  }
  return [...paths];
}
