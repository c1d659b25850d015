/**
 * What opening the data folder and the outbox found that a person should know, logged once at
 * start: paths other users could read (now tightened), and an outbox moved aside as corrupt.
 */
import type { Outbox } from '../outbox/index.ts';
import type { Logger } from '../telemetry/index.ts';
import { describeExposed, type ExposedPath } from './private-files.ts';

export function logOpenFindings(logger: Logger, root: string, exposed: readonly ExposedPath[], outbox: Outbox): void {
  if (exposed.length > 0) {
    logger.warn(
      { errorType: 'data_dir_exposed', stage: 'start', paths: exposed.map(describeExposed) },
      `Other users of this machine could read the data folder ${root}: ${exposed.length} ` +
        `path${exposed.length === 1 ? '' : 's'} had group or other permissions, and are now readable by the agent's user only.`,
    );
  }
  if (outbox.recoveredFromCorruption) {
    logger.error({ movedTo: outbox.recoveredFromCorruption.movedTo }, 'The outbox file was corrupt and was moved aside.');
  }
}
