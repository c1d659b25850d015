/**
 * scripts/with-keyring.sh (issue 12, item 8): the throwaway keyring it makes works (a keytar round
 * trip), its folder is private while the command runs and gone afterwards, its unlock password
 * file is deleted before the command starts, and no process of the session (the command, the
 * D-Bus daemon, gnome-keyring-daemon) carries a password-like value in its environment.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'with-keyring.sh');
const canRun = process.platform === 'linux' && spawnSync('sh', ['-c', 'command -v gnome-keyring-daemon && command -v dbus-run-session']).status === 0;
if (!canRun) process.stdout.write('with-keyring test skipped: needs Linux with gnome-keyring and dbus (apt-get install gnome-keyring dbus).\n');

/** Runs inside the keyring session: what the command sees, and what every process of the session has in its environment. */
const PROBE = `
const fs = require('node:fs');
const path = require('node:path');
const keytar = require('keytar');
(async () => {
  const home = path.dirname(process.env.XDG_DATA_HOME);
  await keytar.setPassword('tya-with-keyring-test', 'probe', 'round trip');
  const roundTrip = await keytar.getPassword('tya-with-keyring-test', 'probe');
  await keytar.deletePassword('tya-with-keyring-test', 'probe');
  const environments = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name))) {
    let text;
    try { text = fs.readFileSync('/proc/' + pid + '/environ', 'utf8'); } catch { continue; }
    const vars = text.split('\\0').filter(Boolean);
    if (!vars.includes('XDG_RUNTIME_DIR=' + process.env.XDG_RUNTIME_DIR)) continue;
    let command = '';
    try { command = fs.readFileSync('/proc/' + pid + '/comm', 'utf8').trim(); } catch {}
    environments.push({ command, vars });
  }
  console.log(JSON.stringify({ home, homeMode: (fs.statSync(home).mode & 0o777).toString(8), entries: fs.readdirSync(home).sort(), roundTrip, environments }));
})();
`;

describe.skipIf(!canRun)('scripts/with-keyring.sh', () => {
  it('gives a working private keyring, leaves no password in a file or an environment, and removes its folder', () => {
    const result = spawnSync(SCRIPT, [process.execPath, '-e', PROBE], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
      home: string;
      homeMode: string;
      entries: string[];
      roundTrip: string | null;
      environments: Array<{ command: string; vars: string[] }>;
    };
    expect(seen.roundTrip).toBe('round trip');
    expect(seen.homeMode).toBe('700');
    // The unlock file is gone before the command starts: only the keyring's own folders remain.
    expect(seen.entries).toEqual(['data', 'runtime']);
    const commands = seen.environments.map((e) => e.command);
    expect(commands).toEqual(expect.arrayContaining(['dbus-daemon', 'gnome-keyring-d']));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    // 32 random bytes in base64 are 44 characters ending in "=": no variable of any session process holds such a value.
    for (const { command, vars } of seen.environments) {
      expect(vars.filter((v) => /=[A-Za-z0-9+/]{43}=$/.test(v)), command).toEqual([]);
    }
    expect(existsSync(seen.home)).toBe(false);
  });
});
