import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideAgentHosting } from './service-detection.ts';

const only = (...files: string[]) => (file: string) => files.includes(file);

describe('decideAgentHosting', () => {
  it('connects to the systemd service when its unit is installed', () => {
    expect(decideAgentHosting({ platform: 'linux', env: {}, exists: only('/etc/systemd/system/tya-agent.service') })).toEqual({
      mode: 'connect-to-service',
      dataDir: '/var/lib/tya-agent',
      socketFiles: ['control-operator.sock', 'control-viewer.sock'],
      evidence: '/etc/systemd/system/tya-agent.service',
    });
    expect(decideAgentHosting({ platform: 'linux', env: {}, exists: only('/usr/lib/systemd/system/tya-agent.service') }).mode).toBe('connect-to-service');
  });

  it('hosts its own agent when no service is installed, and says why', () => {
    const decision = decideAgentHosting({ platform: 'linux', env: {}, exists: only('/etc/systemd/system/other.service') });
    expect(decision).toMatchObject({ mode: 'host-own-agent', reason: expect.stringContaining('/etc/systemd/system/tya-agent.service') as unknown });
    expect(decideAgentHosting({ platform: 'darwin', env: {}, exists: () => true }).mode).toBe('host-own-agent');
  });

  it('finds the WinSW definition in ProgramData on Windows', () => {
    const env = { ProgramData: 'D:\\ProgramData' };
    const decision = decideAgentHosting({ platform: 'win32', env, exists: only('D:\\ProgramData\\TYA Sync Agent\\service\\tya-agent.xml') });
    expect(decision).toMatchObject({ mode: 'connect-to-service', dataDir: 'D:\\ProgramData\\TYA Sync Agent', socketFiles: [] });
    expect(decideAgentHosting({ platform: 'win32', env, exists: () => false }).mode).toBe('host-own-agent');
  });

  it('follows an explicit TYA_AGENT_SERVICE either way', () => {
    expect(decideAgentHosting({ platform: 'linux', env: { TYA_AGENT_SERVICE: '0' }, exists: () => true }).mode).toBe('host-own-agent');
    expect(decideAgentHosting({ platform: 'linux', env: { TYA_AGENT_SERVICE: '1', TYA_DATA_DIR: '/srv/tya' }, exists: () => false })).toMatchObject({
      mode: 'connect-to-service',
      dataDir: '/srv/tya',
    });
  });

  it('sees a unit file that service install wrote (real files through the same check)', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tya-detect-'));
    try {
      const unit = path.join(root, 'etc/systemd/system/tya-agent.service');
      const exists = (file: string) => existsSync(path.join(root, file));
      expect(decideAgentHosting({ platform: 'linux', env: {}, exists }).mode).toBe('host-own-agent');
      mkdirSync(path.dirname(unit), { recursive: true });
      writeFileSync(unit, '[Unit]\n');
      expect(decideAgentHosting({ platform: 'linux', env: {}, exists }).mode).toBe('connect-to-service');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
