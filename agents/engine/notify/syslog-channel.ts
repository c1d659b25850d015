/**
 * The syslog alert channel (issue 16 item 8) for servers whose logs go to a central collector.
 * UDP (RFC 5426): one datagram, cut to 2048 bytes, fire and forget (UDP says nothing about
 * delivery: use TCP where a lost alert matters). TCP (RFC 6587): octet counting, `LEN SP MSG`, one
 * connection per notice (alerts are rare; a held-open connection would only go stale). The local
 * socket (/dev/log) is a Unix datagram socket, which Node cannot open: the message goes through
 * util-linux's `logger`, given the same fields, so the receiver sees the same RFC 5424 message.
 * Every message is scrubbed against the vault's registered secrets, like the log lines.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { isIP, connect } from 'node:net';
import { hostname } from 'node:os';
import type { SyslogNotifyConfig } from '../../api/notify-config.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { redactSecrets } from '../../vault/redaction.ts';
import type { AlertNotice, NotifyChannel } from './channels.ts';
import { SYSLOG_SD_ID, escapeSdValue, formatSyslogMessage, syslogSeverity, truncateUtf8, type SyslogHeader } from './syslog-format.ts';

const SEND_TIMEOUT_MS = 15_000;
const UDP_MAX_BYTES = 2048;
const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

export interface SyslogChannelOptions {
  now: () => number;
  hostname?: string;
  procId?: string;
  /** The `logger` program for the local socket (tests may point elsewhere). */
  loggerPath?: string;
}

export function syslogChannel(config: SyslogNotifyConfig, options: SyslogChannelOptions): NotifyChannel {
  const header = (): SyslogHeader => ({
    facility: config.facility,
    appName: config.appName,
    hostname: options.hostname ?? hostname(),
    procId: options.procId ?? String(process.pid),
    nowMs: options.now(),
  });
  return {
    name: 'syslog',
    minSeverity: config.minSeverity,
    async send(notice) {
      if (config.type === 'unix') {
        await runLogger(options.loggerPath ?? 'logger', loggerArguments(notice, config, header()));
        return;
      }
      const message = redactSecrets(formatSyslogMessage(notice, header()));
      if (config.type === 'udp') await sendUdp(config.host, config.port, Buffer.from(truncateUtf8(message, UDP_MAX_BYTES), 'utf8'));
      else await sendTcp(config.host, config.port, message);
    },
  };
}

/** `logger`'s arguments for one notice on the local socket: the same PRI, APP-NAME, PROCID, MSGID and SD as formatSyslogMessage. */
export function loggerArguments(notice: AlertNotice, config: Extract<SyslogNotifyConfig, { type: 'unix' }>, header: SyslogHeader): string[] {
  const params: Array<[string, string]> = [
    ['agent', notice.agent],
    ['code', notice.code],
    ['severity', notice.severity],
    ['state', notice.state],
    ['since', notice.since],
  ];
  const words = notice.state === 'resolved' ? `Resolved: ${notice.message}` : notice.message;
  return [
    `--socket=${config.path}`,
    '--socket-errors=on',
    // notq: no timeQuality element, which logger would otherwise add on its own.
    '--rfc5424=notq',
    `--priority=${config.facility}.${SEVERITY_NAMES[syslogSeverity(notice)]}`,
    `--tag=${config.appName}`,
    `--id=${header.procId}`,
    `--msgid=${notice.state}`,
    `--sd-id=${SYSLOG_SD_ID}`,
    ...params.map(([name, value]) => `--sd-param=${name}="${escapeSdValue(redactSecrets(value))}"`),
    '--',
    redactSecrets(words).replace(/[\r\n]+/g, ' '),
  ];
}

function sendUdp(host: string, port: number, datagram: Buffer): Promise<void> {
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.send(datagram, port, host, (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    });
  });
}

function sendTcp(host: string, port: number, message: string): Promise<void> {
  const frame = `${Buffer.byteLength(message, 'utf8')} ${message}`;
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    socket.setTimeout(SEND_TIMEOUT_MS, () => socket.destroy(new Error(`The syslog server ${host}:${port} did not take the message within ${SEND_TIMEOUT_MS / 1000} s.`)));
    socket.once('error', (error) => reject(error));
    socket.once('connect', () => socket.end(frame, 'utf8'));
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}

function runLogger(program: string, args: string[]): Promise<void> {
  if (process.platform === 'win32') {
    return Promise.reject(new AgentError('syslog_unix_unavailable', 'notify.syslog type "unix" needs a Unix system; on Windows use "udp" or "tcp", or notify.eventLog.'));
  }
  return new Promise<void>((resolve, reject) => {
    execFile(program, args, { timeout: SEND_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`logger could not write to the local syslog socket: ${stderr.trim() || error.message}. Check notify.syslog.path (usually /dev/log).`));
    });
  });
}
