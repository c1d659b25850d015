import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * The keychain namespace of this installation, derived from its data dir. Not stored anywhere: an
 * outbox that was corrupt and moved aside (or a lost one) must not cost the agent its credentials,
 * and two agents on one machine always have different data dirs.
 */
export function installationNamespace(dataDir: string): string {
  const resolved = existsSync(dataDir) ? realpathSync(dataDir) : path.resolve(dataDir);
  return `inst-${createHash('sha256').update(resolved).digest('hex').slice(0, 24)}`;
}
