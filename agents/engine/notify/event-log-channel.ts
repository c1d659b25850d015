/**
 * The Windows event log alert channel (issue 16 item 8): a Windows server's monitoring (SCOM, a
 * Zabbix or PRTG agent, Event Viewer subscriptions) watches the Application log. It runs
 * `eventcreate`, which every Windows since XP has; PowerShell's Write-EventLog would also do, but it
 * is missing from PowerShell 7 and costs a PowerShell start per alert. The argument list is a pure
 * function (tested on any system); run through execFile, without a shell, so nothing in a message
 * is ever interpreted. Fixed event ids per kind, so an admin can filter: 100 critical, 200 warning,
 * 300 resolved.
 */
import { execFile } from 'node:child_process';
import type { EventLogNotifyConfig } from '../../api/notify-config.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { redactSecrets } from '../../vault/redaction.ts';
import type { AlertNotice, NotifyChannel } from './channels.ts';

const SEND_TIMEOUT_MS = 15_000;
/** eventcreate refuses longer descriptions; an alert's words are far shorter. */
const MAX_DESCRIPTION = 4000;

export const EVENT_IDS = { critical: 100, warning: 200, resolved: 300 } as const;

export function eventCreateArguments(notice: AlertNotice, config: EventLogNotifyConfig): string[] {
  const type = notice.state === 'resolved' ? 'INFORMATION' : notice.severity === 'critical' ? 'ERROR' : 'WARNING';
  const id = notice.state === 'resolved' ? EVENT_IDS.resolved : EVENT_IDS[notice.severity];
  const words = notice.state === 'resolved' ? `Resolved: ${notice.message}` : notice.message;
  const description = `${words} (agent ${notice.agent}, code ${notice.code}, since ${notice.since})`
    // One line, and no double quotes: Windows splits a command line by its own quoting rules.
    .replace(/[\r\n]+/g, ' ')
    .replace(/"/g, "'");
  return ['/L', 'APPLICATION', '/T', type, '/SO', config.source, '/ID', String(id), '/D', redactSecrets(description).slice(0, MAX_DESCRIPTION)];
}

export function eventLogChannel(config: EventLogNotifyConfig, platform: NodeJS.Platform = process.platform): NotifyChannel {
  return {
    name: 'eventLog',
    minSeverity: config.minSeverity,
    send(notice) {
      if (platform !== 'win32') {
        return Promise.reject(
          new AgentError('event_log_not_windows', `notify.eventLog writes to the Windows event log, and this agent runs on ${platform}: remove notify.eventLog from the config and use notify.syslog here.`),
        );
      }
      return new Promise<void>((resolve, reject) => {
        execFile('eventcreate', eventCreateArguments(notice, config), { timeout: SEND_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
          if (error === null) resolve();
          // Creating a new event source needs an administrator once; the words say so.
          else reject(new Error(`eventcreate failed (${stdout.trim() || error.message}). If the source "${config.source}" is new, run the agent once as an administrator, or create the source with: eventcreate /L APPLICATION /T INFORMATION /SO "${config.source}" /ID 1 /D "created"`));
        });
      });
    },
  };
}
