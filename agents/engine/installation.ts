import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';

/**
 * The keychain namespace of this installation, derived from its data dir. Not stored anywhere: an
 * outbox that was corrupt and moved aside (or a lost one) must not cost the agent its credentials,
 * and two agents on one machine always have different data dirs.
 */
export function installationNamespace(dataDir: string): string {
  return `inst-${createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 24)}`;
}
