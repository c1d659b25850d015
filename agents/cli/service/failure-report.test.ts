/**
 * `service status` "If stopped:": who hears when systemd gives up, read from the unit files and the
 * live config on disk, as notify-stopped would read them. A unit with its failure hook but no alert
 * channel must not claim that anyone is told.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failureReport } from './service-actions.ts';
import { serviceLayout, type ServiceLayout } from './service-layout.ts';

let root: string;
let layout: ServiceLayout;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tya-failure-report-'));
  layout = serviceLayout({ root });
  mkdirSync(path.dirname(layout.unitFile), { recursive: true });
  mkdirSync(layout.dataDir, { recursive: true });
  writeFileSync(layout.unitFile, '[Unit]\nDescription=x\nOnFailure=tya-agent-stopped.service\n');
  writeFileSync(layout.stoppedUnitFile, '[Service]\nType=oneshot\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const live = (extra: Record<string, unknown>) =>
  writeFileSync(layout.liveConfig, JSON.stringify({ agent: { name: 's', dataDir: '.' }, cloud: { url: 'https://api.example.com', entity: 'e' }, ...extra }));

describe('service status: if stopped', () => {
  it('names the channels told, says nobody is told without one, and when the unit predates the hook', () => {
    live({ notify: { webhook: { url: 'https://hooks.example.com/x' }, syslog: { type: 'udp', host: 'logs' } } });
    expect(failureReport(layout)).toBe('the alert channels are told: webhook, syslog (tya-agent-stopped.service)');

    // A source broken by hand: notify-stopped still reads the channels, and so does this line.
    live({ notify: { webhook: { url: 'https://hooks.example.com/x' } }, sources: [{ type: 'odbc' }] });
    expect(failureReport(layout)).toBe('the alert channels are told: webhook (tya-agent-stopped.service)');

    live({});
    expect(failureReport(layout)).toMatch(/^status and the dashboard say so, but no alert channel is configured, so nobody is told\. Add "notify" to .*tya-agent\.json, then run "tya-agent alerts test --service"\.$/);

    writeFileSync(layout.liveConfig, '{ not json');
    expect(failureReport(layout)).toMatch(/^nobody is told: .*tya-agent\.json cannot be read\. Run "tya-agent doctor --config /);

    writeFileSync(layout.unitFile, '[Unit]\nDescription=x\n');
    expect(failureReport(layout)).toMatch(/^nobody is told: this unit predates the failure alert\./);
  });
});
