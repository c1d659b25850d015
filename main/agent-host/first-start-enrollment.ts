/**
 * An unattended Windows install (`/S /ENROLLKEYFILE=… /CLOUDURL=…`, assets/installer/installer.nsh)
 * leaves a copy of the enrollment key and the cloud URL in %ProgramData%\TYA Sync Agent\enrollment\.
 * The app's first start turns them into `tya-agent enroll`, so nobody has to touch the machine after
 * the deployment tool ran. The key is read from its file by the agent (never put on a command line)
 * and the file is deleted once the enrollment succeeded (the key is single-use either way).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ENROLLMENT_KEY_FILE = 'enrollment-key';
export const CLOUD_URL_FILE = 'cloud-url';

/** Where the installer leaves them: per machine, so only on Windows and only with ProgramData set. */
export function installerEnrollmentDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  if (platform !== 'win32' || env.ProgramData === undefined || env.ProgramData === '') return null;
  return path.win32.join(env.ProgramData, 'TYA Sync Agent', 'enrollment');
}

export type PendingEnrollment =
  | { type: 'none' }
  | { type: 'enroll'; args: string[]; keyFile: string; cloudUrlFile: string }
  | { type: 'problem'; message: string };

/**
 * What the first start should do with `dir`: nothing (no key left there), run the agent's CLI with
 * `args`, or tell a person what is wrong (a key without a usable cloud URL).
 */
export function pendingEnrollment(dir: string | null, configFile: string): PendingEnrollment {
  if (dir === null) return { type: 'none' };
  const keyFile = path.join(dir, ENROLLMENT_KEY_FILE);
  const cloudUrlFile = path.join(dir, CLOUD_URL_FILE);
  if (!existsSync(keyFile)) return { type: 'none' };
  const url = existsSync(cloudUrlFile) ? readFileSync(cloudUrlFile, 'utf8').trim() : '';
  if (url === '') {
    return {
      type: 'problem',
      message: `The installer left an enrollment key but no cloud URL (${cloudUrlFile}). Enroll from the app, or install again with /CLOUDURL=https://….`,
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { type: 'problem', message: `The cloud URL the installer left in ${cloudUrlFile} is not a URL: "${url}". Install again with /CLOUDURL=https://….` };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { type: 'problem', message: `The cloud URL in ${cloudUrlFile} must start with https://; it is "${url}".` };
  }
  // The agent's own checks (https except on loopback, the key's format) run inside `enroll`.
  return { type: 'enroll', args: ['enroll', '--url', url, '--key-file', keyFile, '--config', configFile], keyFile, cloudUrlFile };
}
