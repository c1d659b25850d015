import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../../../test/helpers/agent-process.ts';
import { systemdQuote, systemdStoppedUnit, systemdUnit, type SystemdUnitOptions } from './systemd-unit.ts';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: SystemdUnitOptions = {
  nodePath: process.execPath,
  entry: CLI_ENTRY,
  user: 'tya-agent',
  group: 'tya-agent',
  configFile: '/var/lib/tya-agent/tya-agent.json',
  dataDir: '/var/lib/tya-agent',
};

function directives(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

describe('systemdUnit', () => {
  it('is hardened, restarts on failure with a limit, and runs the given Node on the given entry as the service user', () => {
    const unit = directives(systemdUnit({ ...base, extraReadWritePaths: ['/srv/bank drop'] }));
    expect(unit.get('ProtectSystem')).toEqual(['strict']);
    expect(unit.get('ReadWritePaths')).toEqual(['/var/lib/tya-agent "/srv/bank drop"']);
    expect(unit.get('NoNewPrivileges')).toEqual(['yes']);
    expect(unit.get('PrivateTmp')).toEqual(['yes']);
    expect(unit.get('ProtectHome')).toEqual(['yes']);
    expect(unit.get('Restart')).toEqual(['on-failure']);
    expect(unit.get('RestartSec')).toEqual(['10s']);
    expect(unit.get('StartLimitBurst')).toEqual(['5']);
    expect(unit.get('RestartPreventExitStatus')).toEqual(['4 5 10 13']);
    expect(unit.get('User')).toEqual(['tya-agent']);
    expect(unit.get('Group')).toEqual(['tya-agent']);
    expect(unit.get('ExecStart')).toEqual([`${process.execPath} ${CLI_ENTRY} run --config /var/lib/tya-agent/tya-agent.json`]);
    expect(unit.get('Environment')).toContain('TYA_CONFIG=/var/lib/tya-agent/tya-agent.json');
    // Compiled code survives a restart: PrivateTmp gives each start an empty /tmp.
    expect(unit.get('Environment')).toContain('NODE_COMPILE_CACHE=/var/lib/tya-agent/compile-cache');
  });

  it('hands a failure systemd gives up on to a oneshot unit that tells the alert channels, confined the same way', () => {
    const agent = directives(systemdUnit(base));
    expect(agent.get('OnFailure')).toEqual(['tya-agent-stopped.service']);
    expect(directives(systemdUnit({ ...base, unitName: 'tya-agent-store7' })).get('OnFailure')).toEqual(['tya-agent-store7-stopped.service']);
    const stopped = directives(systemdStoppedUnit(base));
    expect(stopped.get('Type')).toEqual(['oneshot']);
    expect(stopped.get('ExecStart')).toEqual([`${process.execPath} ${CLI_ENTRY} service notify-stopped --config /var/lib/tya-agent/tya-agent.json`]);
    expect(stopped.get('User')).toEqual(['tya-agent']);
    expect(stopped.get('ReadWritePaths')).toEqual(['/var/lib/tya-agent']);
    expect(stopped.get('ProtectSystem')).toEqual(['strict']);
    expect(stopped.get('NoNewPrivileges')).toEqual(['yes']);
    // Started only by OnFailure=: nothing enables it, and it never restarts.
    expect(stopped.has('WantedBy')).toBe(false);
    expect(stopped.has('Restart')).toBe(false);
  });

  it('quotes paths with spaces, quotes and percent signs as systemd reads them', () => {
    expect(systemdQuote('/opt/tya/node')).toBe('/opt/tya/node');
    expect(systemdQuote('/opt/my agent/"x"')).toBe('"/opt/my agent/\\"x\\""');
    expect(systemdQuote('/opt/100%')).toBe('/opt/100%%');
  });

  it('refuses relative paths and line breaks, which would make a broken or injected unit', () => {
    expect(() => systemdUnit({ ...base, nodePath: 'node' })).toThrow(/nodePath must be an absolute path/);
    expect(() => systemdUnit({ ...base, dataDir: '/var/lib/x\nExecStartPre=/bin/sh' })).toThrow(/line break/);
  });

  it('passes systemd-analyze verify', async (context) => {
    if (!existsSync(SYSTEMD_ANALYZE)) {
      console.log(`skipped: ${SYSTEMD_ANALYZE} is not installed`);
      context.skip();
    }
    const file = path.join(dir, 'tya-agent.service');
    const stoppedFile = path.join(dir, 'tya-agent-stopped.service');
    writeFileSync(file, systemdUnit({ ...base, extraReadWritePaths: [dir] }));
    writeFileSync(stoppedFile, systemdStoppedUnit({ ...base, dataDir: dir }));
    const result = await promisify(execFile)(SYSTEMD_ANALYZE, ['verify', '--man=no', file, stoppedFile]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.stderr + result.stdout).toBe('');
    expect(result.code).toBe(0);
    // The check has teeth: a unit whose ExecStart does not exist fails it.
    writeFileSync(file, systemdUnit({ ...base, nodePath: '/nonexistent/node' }));
    const broken = await promisify(execFile)(SYSTEMD_ANALYZE, ['verify', '--man=no', file]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(broken.stderr).toMatch(/nonexistent\/node/);
  });
});
