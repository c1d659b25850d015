/**
 * One alert as an RFC 5424 syslog message, written here rather than through a dependency (the
 * format is a single line of rules):
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [tya@32473 agent="…" code="…" …] MSG
 * PRI is facility × 8 + severity (critical → 2 crit, warning → 4 warning, resolved → 5 notice).
 * Header fields are printable US-ASCII without spaces, cut to their RFC lengths, `-` when empty.
 * SD-PARAM values escape `"`, `\` and `]` with a backslash (RFC 5424 §6.3.3). MSG is UTF-8, with
 * the BOM the RFC asks for when it is not plain ASCII.
 * The SD-ID's enterprise number 32473 is the one RFC 5612 reserves for documentation and examples:
 * the private SD-ID needs a number, and TYA has none registered yet.
 */
import type { SyslogFacility } from '../../api/notify-config.ts';
import type { AlertNotice } from './channels.ts';

export const SYSLOG_FACILITIES: Record<SyslogFacility, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

export const SYSLOG_SD_ID = 'tya@32473';

export interface SyslogHeader {
  facility: SyslogFacility;
  hostname: string;
  appName: string;
  procId: string;
  nowMs: number;
}

/** The syslog severity (0 emerg … 7 debug) of a notice. */
export function syslogSeverity(notice: Pick<AlertNotice, 'severity' | 'state'>): number {
  if (notice.state === 'resolved') return 5;
  return notice.severity === 'critical' ? 2 : 4;
}

export function formatSyslogMessage(notice: AlertNotice, header: SyslogHeader): string {
  const pri = SYSLOG_FACILITIES[header.facility] * 8 + syslogSeverity(notice);
  const fields = [
    `<${pri}>1`,
    new Date(header.nowMs).toISOString(),
    headerField(header.hostname, 255),
    headerField(header.appName, 48),
    headerField(header.procId, 128),
    headerField(notice.state, 32),
  ];
  const params: Array<[string, string]> = [
    ['agent', notice.agent],
    ['code', notice.code],
    ['severity', notice.severity],
    ['state', notice.state],
    ['since', notice.since],
  ];
  const sd = `[${SYSLOG_SD_ID} ${params.map(([name, value]) => `${name}="${escapeSdValue(value)}"`).join(' ')}]`;
  const words = notice.state === 'resolved' ? `Resolved: ${notice.message}` : notice.message;
  return `${fields.join(' ')} ${sd} ${isAscii(words) ? words : `\uFEFF${words}`}`;
}

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** PRINTUSASCII (33–126) only, at most `max` characters; NILVALUE `-` when nothing is left. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

function isAscii(text: string): boolean {
  return Buffer.byteLength(text, 'utf8') === text.length;
}

/** Cuts a message to `maxBytes` of UTF-8 without splitting a character (UDP receivers must take 480, should take 2048). */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
