/** The Windows event log channel: its eventcreate argument list (a pure function) and its refusal elsewhere. */
import { describe, expect, it } from 'vitest';
import { EventLogNotifySchema } from '../../api/notify-config.ts';
import { registerSecretValue } from '../../vault/redaction.ts';
import type { AlertNotice } from './channels.ts';
import { eventCreateArguments, eventLogChannel } from './event-log-channel.ts';

const notice: AlertNotice = {
  agent: 'store-7',
  code: 'outbox_full',
  severity: 'critical',
  message: 'The queue is "full":\r\ncapture is paused.',
  since: '2026-12-05T01:00:00.000Z',
  state: 'raised',
};
const config = EventLogNotifySchema.parse({});

describe('eventCreateArguments', () => {
  it('maps severity and state to the event type and a fixed id, one line, no double quotes', () => {
    expect(eventCreateArguments(notice, config)).toEqual([
      '/L', 'APPLICATION', '/T', 'ERROR', '/SO', 'TYA Sync Agent', '/ID', '100',
      '/D', "The queue is 'full': capture is paused. (agent store-7, code outbox_full, since 2026-12-05T01:00:00.000Z)",
    ]);
    expect(eventCreateArguments({ ...notice, severity: 'warning' }, config).slice(2, 8)).toEqual(['/T', 'WARNING', '/SO', 'TYA Sync Agent', '/ID', '200']);
    const resolved = eventCreateArguments({ ...notice, state: 'resolved' }, { ...config, source: 'TYA Store 7' });
    expect(resolved.slice(2, 8)).toEqual(['/T', 'INFORMATION', '/SO', 'TYA Store 7', '/ID', '300']);
    expect(resolved[9]).toMatch(/^Resolved: The queue/);
  });

  it('keeps a registered secret out and caps the description', () => {
    registerSecretValue('eventlog-secret-P3o5i7');
    const args = eventCreateArguments({ ...notice, message: `token eventlog-secret-P3o5i7 ${'x'.repeat(5000)}` }, config);
    expect(args.join(' ')).not.toContain('eventlog-secret-P3o5i7');
    expect(args[9]!.length).toBe(4000);
  });

  it('the source name accepts only characters eventcreate takes', () => {
    expect(EventLogNotifySchema.safeParse({ source: 'TYA "agent"' }).success).toBe(false);
  });
});

describe('eventLogChannel', () => {
  it('refuses on a system that is not Windows, saying what to use instead', async () => {
    await expect(eventLogChannel(config, 'linux').send(notice)).rejects.toThrow(
      'notify.eventLog writes to the Windows event log, and this agent runs on linux: remove notify.eventLog from the config and use notify.syslog here.',
    );
  });
});
