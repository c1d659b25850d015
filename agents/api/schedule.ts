/**
 * When a source reads, in the config and in `status` (issue 16 item 2): cron times in a named zone
 * instead of the polling interval, business-hour windows that pause heavy reads, and what happens
 * to runs missed while the agent was down. The decisions themselves are pure functions in
 * agents/scheduler/, tested with explicit dates.
 */
import { z } from 'zod';
import { CronSyntaxError, parseCron } from './cron-expression.ts';
import { parseTimeWindow, TimeWindowSyntaxError } from './time-window-syntax.ts';
import { TimeZoneSchema } from './time-zone.ts';

const Rfc3339 = z.iso.datetime({ offset: true });

/** A five-field cron expression such as "0 2 * * *" (checked when the config loads). */
export const CronSchema = z.string().superRefine((text, ctx) => {
  try {
    parseCron(text);
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

/** A business-hour window such as "mon-fri 08:00-18:00". */
export const TimeWindowTextSchema = z.string().superRefine((text, ctx) => {
  try {
    parseTimeWindow(text);
  } catch (error) {
    if (!(error instanceof TimeWindowSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

export const MissedRunPolicySchema = z.enum(['run-once', 'skip']);

export const SourceScheduleSchema = z
  .object({
    /** The zone the times are meant in; default: the source's `timeZone`, else UTC. */
    timeZone: TimeZoneSchema.optional(),
    /** Reads start at these times instead of every `intervalSecs`, e.g. "30 7 * * mon-fri". */
    readAt: CronSchema.optional(),
    /** After a downtime: `run-once` reads once at start for however many times were missed; `skip` waits. */
    missedRuns: MissedRunPolicySchema.default('run-once'),
    /** No reads inside these windows (spare the ERP while people work), e.g. ["mon-fri 08:00-18:00"]. */
    pauseDuring: z.array(TimeWindowTextSchema).min(1).optional(),
    /** Reads only inside these windows. */
    onlyDuring: z.array(TimeWindowTextSchema).min(1).optional(),
  })
  .strict()
  .refine((s) => s.pauseDuring === undefined || s.onlyDuring === undefined, {
    message: 'give either "pauseDuring" or "onlyDuring", not both',
    path: ['onlyDuring'],
  });
export type SourceScheduleConfig = z.infer<typeof SourceScheduleSchema>;

/** What `status` says about a source's schedule. */
export const SourceScheduleStatusSchema = z.object({
  timeZone: z.string(),
  readAt: z.string().nullable(),
  /** The next scheduled read; null when reads follow the interval. */
  nextReadAt: Rfc3339.nullable(),
  /** False while a window holds reads back. */
  readsAllowed: z.boolean(),
  /** When the window state changes next (reads resume or pause). */
  windowChangeAt: Rfc3339.nullable(),
  /** Scheduled reads that fell into the last downtime, and what was done about them. */
  missedRuns: z.number().int().min(0),
  missedRunPolicy: MissedRunPolicySchema,
});
export type SourceScheduleStatus = z.infer<typeof SourceScheduleStatusSchema>;

/**
 * An expected arrival (issue 16 item 10): records on `stream` must arrive before each time of `by`
 * ("a shift close by 02:00": "0 2 * * *"; "a bank statement every business day by 09:00":
 * "0 9 * * mon-fri"). A missing one raises an alert in words until one arrives.
 */
export const ArrivalExpectationSchema = z
  .object({
    /** The stream whose records count as the arrival (e.g. "shift_reports", "bank_statements"). */
    stream: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _'),
    /** The deadlines, as cron times. */
    by: CronSchema,
    /** What arrives, in words for the alert (default: "records on <stream>"), e.g. "shift close". */
    what: z.string().min(1).max(80).optional(),
    /** Zone of `by`; default: the source's schedule zone, else its `timeZone`. */
    timeZone: TimeZoneSchema.optional(),
  })
  .strict();
export type ArrivalExpectation = z.infer<typeof ArrivalExpectationSchema>;
