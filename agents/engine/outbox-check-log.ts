/**
 * Says in the log which check the outbox had at start (start-check.ts), and after an unclean stop
 * starts the whole-file check in the background and logs its verdict. Damage found there has
 * already stopped delivery and raised the `outbox_damaged` alert (background-check.ts); the log
 * line is the record when the alert could not be stored.
 */
import type { Outbox } from '../outbox/index.ts';
import type { Logger } from '../telemetry/logger.ts';

export function superviseOutboxCheck(outbox: Outbox, logger: Logger): Promise<void> | null {
  const check = outbox.integrity.startCheck;
  const what =
    check.ran === 'full'
      ? 'the whole file (quick_check)'
      : check.ran === 'delivery-tables'
        ? 'the delivery tables (quick_check of meta, checkpoints, batches, streams)'
        : 'nothing (a new file)';
  const then = check.backgroundNeeded ? '; the whole file is checked in the background (integrity_check)' : '';
  const forced = check.forcedBy === 'damage-found-before' ? ' because a background check had found damage' : '';
  logger.info(
    { outboxCheck: { lastStop: check.lastStop, ran: check.ran, background: check.backgroundNeeded, ms: check.ms } },
    `Outbox checked at start after a${check.lastStop === 'unclean' ? 'n unclean' : check.lastStop === 'new' ? ' first' : ' clean'} stop: ${what}${forced} in ${check.ms} ms${then}.`,
  );
  const running = outbox.integrity.runInBackground();
  if (running === null) return null;
  return running.then((verdict) => {
    const fields = { outboxCheck: { ran: 'background-full', ...verdict } };
    if (verdict.state === 'passed')
      logger.info(fields, `Outbox background integrity check passed in ${verdict.ms} ms.`);
    else if (verdict.state === 'damaged') {
      logger.error(
        { ...fields, errorType: 'outbox_damaged' },
        `Outbox background integrity check found damage after ${verdict.ms} ms; delivery stopped` +
          (verdict.unrecorded === undefined
            ? ' (alert outbox_damaged). Restart the agent to move the damaged file aside.'
            : `, and the alert could not be stored (${verdict.unrecorded}). Restart the agent to move the damaged file aside.`),
      );
    } else if (verdict.state === 'failed') {
      logger.warn(fields, `Outbox background integrity check could not run: ${verdict.error}`);
    }
  });
}
