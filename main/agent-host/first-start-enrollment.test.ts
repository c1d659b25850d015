import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installerEnrollmentDir, pendingEnrollment, type PendingEnrollment } from './first-start-enrollment.ts';

const problem = (p: PendingEnrollment) => (p.type === 'problem' ? p.message : `no problem: ${p.type}`);

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'tya-first-start-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the first start after an unattended install', () => {
  it('enrolls with the key file and cloud URL the installer left, the key never on the command line', () => {
    writeFileSync(path.join(dir, 'enrollment-key'), 'tya_ek_secret-value\r\n');
    writeFileSync(path.join(dir, 'cloud-url'), 'https://api.talktoyouraccounts.example\r\n');
    const pending = pendingEnrollment(dir, 'C:\\Users\\a\\agent.json');
    expect(pending).toEqual({
      type: 'enroll',
      args: ['enroll', '--url', 'https://api.talktoyouraccounts.example', '--key-file', path.join(dir, 'enrollment-key'), '--config', 'C:\\Users\\a\\agent.json'],
      keyFile: path.join(dir, 'enrollment-key'),
      cloudUrlFile: path.join(dir, 'cloud-url'),
    });
    expect(JSON.stringify(pending)).not.toContain('secret-value');
  });

  it('does nothing without a key (none given, or already spent and deleted)', () => {
    expect(pendingEnrollment(null, 'agent.json')).toEqual({ type: 'none' });
    writeFileSync(path.join(dir, 'cloud-url'), 'https://api.example');
    expect(pendingEnrollment(dir, 'agent.json')).toEqual({ type: 'none' });
  });

  it('says what to do when the cloud URL is missing or unusable', () => {
    writeFileSync(path.join(dir, 'enrollment-key'), 'k');
    expect(problem(pendingEnrollment(dir, 'agent.json'))).toMatch(/no cloud URL.*\/CLOUDURL=/);
    writeFileSync(path.join(dir, 'cloud-url'), 'api.example');
    expect(problem(pendingEnrollment(dir, 'agent.json'))).toMatch(/not a URL: "api.example"/);
    writeFileSync(path.join(dir, 'cloud-url'), 'ftp://api.example');
    expect(problem(pendingEnrollment(dir, 'agent.json'))).toMatch(/must start with https/);
  });

  it('looks in ProgramData on Windows only', () => {
    expect(installerEnrollmentDir({ ProgramData: 'C:\\ProgramData' }, 'win32')).toBe('C:\\ProgramData\\TYA Sync Agent\\enrollment');
    expect(installerEnrollmentDir({ ProgramData: 'C:\\ProgramData' }, 'linux')).toBeNull();
    expect(installerEnrollmentDir({}, 'win32')).toBeNull();
  });
});
