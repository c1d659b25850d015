import type { SourceScheduleStatus } from '../api/index.ts';

/** A source's schedule for `status`, in the schedule's own zone (an admin reads "02:00", not UTC). */
export function formatSchedule(schedule: SourceScheduleStatus): string {
  const at = (iso: string) =>
    `${new Intl.DateTimeFormat('en-GB', {
      timeZone: schedule.timeZone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(iso))} ${schedule.timeZone}`;
  const parts: string[] = [];
  if (schedule.readAt !== null) {
    parts.push(
      schedule.nextReadAt === null
        ? `reads at "${schedule.readAt}", which never comes`
        : `next read ${at(schedule.nextReadAt)} ("${schedule.readAt}")`,
    );
  }
  if (!schedule.readsAllowed) {
    parts.push(
      schedule.windowChangeAt === null
        ? 'reads held back by its time window'
        : `reads held back by its time window until ${at(schedule.windowChangeAt)}`,
    );
  } else if (schedule.windowChangeAt !== null) {
    parts.push(`its time window holds reads back from ${at(schedule.windowChangeAt)}`);
  }
  if (schedule.missedRuns > 0) {
    const what = schedule.missedRunPolicy === 'run-once' ? 'read once at start' : 'skipped';
    parts.push(
      `${schedule.missedRuns} read time${schedule.missedRuns === 1 ? '' : 's'} missed while stopped (${what})`,
    );
  }
  return `schedule: ${parts.join('; ')}`;
}
