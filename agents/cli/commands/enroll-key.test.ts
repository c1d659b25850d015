import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.ts';
import { readKey } from './enroll.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('where the enrollment key comes from', () => {
  it('a key written on the command line is refused unused, and the message does not repeat it', () => {
    const attempt = () => readKey({ key: 'ek_live_secret123' }, {});
    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(/on the command line, where every user of this machine can read it/);
    try {
      attempt();
    } catch (error) {
      const cliError = error as CliError;
      expect(`${cliError.message} ${cliError.hint ?? ''}`).not.toContain('ek_live_secret123');
    }
  });

  it('a key file (trimmed), the environment, and clear errors for none, both, or an unreadable file', () => {
    const file = path.join(dir, 'key');
    writeFileSync(file, 'ek_from_file\n');
    expect(readKey({ keyFile: file }, {})).toBe('ek_from_file');
    expect(readKey({}, { TYA_ENROLLMENT_KEY: ' ek_from_env ' })).toBe('ek_from_env');
    expect(() => readKey({}, {})).toThrow(/No enrollment key given/);
    expect(() => readKey({ key: '-', keyFile: file }, {})).toThrow(/Both --key - and --key-file/);
    expect(() => readKey({ keyFile: path.join(dir, 'missing') }, {})).toThrow(/The key file .*missing cannot be read/);
  });
});
