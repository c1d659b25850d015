/**
 * Where alerts go when nobody watches the tray or the dashboard (issue 16 item 8): a webhook
 * (chat, ticketing, paging), e-mail over SMTP, syslog, the Windows event log. Secrets only as `{secretRef}` (the keychain).
 * docs/alerts-and-metrics.md.
 */
import { z } from 'zod';
import { isHttpsOrLoopbackUrl } from './loopback.ts';

const SecretRefSchema = z
  .object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, . _ / - only') })
  .strict();

/** `warning` sends warnings and critical alerts; `critical` only critical ones. */
const MinSeveritySchema = z.enum(['warning', 'critical']).default('warning');


const WEBHOOK_URL_RULE = 'must be https, or http only for a loopback host (127.0.0.1, ::1, localhost)';

/** A webhook URL as the config or the keychain gives it: https, or http to loopback only. */
export function webhookUrlProblem(url: string): string | null {
  if (!URL.canParse(url)) return 'is not a URL';
  return isHttpsOrLoopbackUrl(url) ? null : WEBHOOK_URL_RULE;
}

export const WebhookNotifySchema = z
  .object({
    /** Receives a POST with JSON `{agent, code, severity, message, since, state: 'raised'|'resolved'}`. */
    url: z.url().refine(isHttpsOrLoopbackUrl, { message: WEBHOOK_URL_RULE }).optional(),
    /**
     * The URL kept in the keychain instead (`tya-agent secret set alerts/webhook-url`): chat and
     * paging services put their token in the path, which makes the whole URL a secret.
     */
    urlSecret: SecretRefSchema.optional(),
    minSeverity: MinSeveritySchema,
  })
  .strict()
  .refine((w) => (w.url === undefined) !== (w.urlSecret === undefined), {
    message: 'give the webhook "url" or "urlSecret" (the URL kept in the keychain), one of them',
    path: ['url'],
  });

export const EmailNotifySchema = z
  .object({
    /** The SMTP server (the office's relay or the mail provider's submission host). */
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65_535).default(587),
    /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    from: z.email(),
    to: z.array(z.email()).min(1).max(50),
    username: z.string().min(1).max(256).optional(),
    /** The SMTP password, kept in the OS keychain: `tya-agent secret set <name>`. */
    password: SecretRefSchema.optional(),
    minSeverity: MinSeveritySchema,
  })
  .strict()
  .refine((e) => e.password === undefined || e.username !== undefined, {
    message: 'a password needs a username: add "username"',
    path: ['username'],
  });

export const SYSLOG_FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

const SyslogCommon = {
  facility: z.enum(SYSLOG_FACILITY_NAMES).default('daemon'),
  /** APP-NAME in each message: printable ASCII without spaces, at most 48 characters. */
  appName: z.string().regex(/^[\x21-\x7e]{1,48}$/, 'printable ASCII without spaces, at most 48 characters').default('tya-agent'),
  minSeverity: MinSeveritySchema,
};

/** RFC 5424 messages over UDP (RFC 5426), TCP with octet counting (RFC 6587), or the local socket (/dev/log). */
export const SyslogNotifySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('udp'), host: z.string().min(1).max(253), port: z.number().int().min(1).max(65_535).default(514), ...SyslogCommon }).strict(),
  z.object({ type: z.literal('tcp'), host: z.string().min(1).max(253), port: z.number().int().min(1).max(65_535).default(514), ...SyslogCommon }).strict(),
  z.object({ type: z.literal('unix'), path: z.string().min(1).max(200).default('/dev/log'), ...SyslogCommon }).strict(),
]);

/** The Windows Application event log, through eventcreate (Windows only). */
export const EventLogNotifySchema = z
  .object({
    /** The event source name shown in Event Viewer; created on the first event (needs an administrator once). */
    source: z.string().regex(/^[A-Za-z0-9 ._-]{1,100}$/, 'letters, digits, spaces, . _ - only (at most 100)').default('TYA Sync Agent'),
    minSeverity: MinSeveritySchema,
  })
  .strict();

export const NotifyConfigSchema = z
  .object({
    webhook: WebhookNotifySchema.optional(),
    email: EmailNotifySchema.optional(),
    syslog: SyslogNotifySchema.optional(),
    eventLog: EventLogNotifySchema.optional(),
    /** The same alert, still raised, is sent again only after this many minutes (the rule against repeats). */
    repeatAfterMins: z.number().int().min(1).max(7 * 24 * 60).default(240),
  })
  .strict();
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;
export type WebhookNotifyConfig = z.infer<typeof WebhookNotifySchema>;
export type EmailNotifyConfig = z.infer<typeof EmailNotifySchema>;
export type SyslogNotifyConfig = z.infer<typeof SyslogNotifySchema>;
export type EventLogNotifyConfig = z.infer<typeof EventLogNotifySchema>;
export type SyslogFacility = (typeof SYSLOG_FACILITY_NAMES)[number];

export const ALERT_CHANNEL_NAMES = ['webhook', 'email', 'syslog', 'eventLog'] as const;

/**
 * A configured alert channel as the dashboard and `alerts test` show it: where it sends, never a
 * secret. A webhook is shown by its origin only, since its path often carries the receiver's token.
 */
export const AlertChannelSchema = z.object({
  channel: z.enum(ALERT_CHANNEL_NAMES),
  target: z.string(),
  minSeverity: z.enum(['warning', 'critical']),
});
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

/** What a test notice through one channel came to. */
export const AlertChannelTestSchema = AlertChannelSchema.extend({
  ok: z.boolean(),
  ms: z.number().int().nonnegative(),
  /** Why it failed and what to check; null when it went through. */
  error: z.string().nullable(),
  /** A sent notice the channel cannot confirm (UDP syslog): look at the receiver. */
  unconfirmed: z.boolean(),
});
export type AlertChannelTest = z.infer<typeof AlertChannelTestSchema>;
