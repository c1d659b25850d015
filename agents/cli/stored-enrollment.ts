/**
 * The enrollment kept in a data folder's outbox, read by a command while the agent may be stopped
 * (`reference refresh`, `service uninstall`): 'no-outbox' when the agent never ran there.
 */
import { existsSync } from 'node:fs';
import { readEnrollment, type Enrollment } from '../delivery/index.ts';
import { dataDirLayout } from '../engine/data-dir.ts';
import { Outbox } from '../outbox/index.ts';
import { systemClock } from '../pipeline/clock.ts';

export function readStoredEnrollment(dataDir: string): Enrollment | null | 'no-outbox' {
  const layout = dataDirLayout(dataDir);
  if (!existsSync(layout.outbox)) return 'no-outbox';
  const outbox = Outbox.openReadonly(layout.outbox, systemClock);
  try {
    return readEnrollment(outbox);
  } finally {
    outbox.close();
  }
}
