import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../engine/load-config.ts';
import { CliError } from '../cli-error.ts';
import { installService } from './install-service.ts';
import { folderWritePaths, liveConfigFrom } from './live-config.ts';
import { serviceLayout } from './service-layout.ts';
import { systemUsers } from './service-user.ts';
import { enterServiceContext } from './service-context.ts';
import { hostSystemctl } from './systemctl.ts';

const ETC = `{
  // the agent of store 7
  "agent": { "name": "store-7", "dataDir": "/srv/old-data" },
  "cloud": { "url": "https://api.example.test", "entity": "store-7" },
  "sources": [{ "type": "folder", "name": "bank", "path": "/srv/bank-drop", "kind": "bank", "archiveDir": "/srv/bank-archive" }]
}`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-live-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('liveConfigFrom', () => {
  it('points the data dir at the folder it lives in and chooses the service vault, saying so', () => {
    const live = liveConfigFrom(ETC, '/etc/tya-agent/agent.json', '/var/lib/tya-agent/tya-agent.json');
    const loaded = parseConfigText(live.text, '/var/lib/tya-agent/tya-agent.json');
    expect(loaded.dataDir).toBe('/var/lib/tya-agent');
    expect(loaded.config.vault).toEqual({ backend: 'service-file' });
    expect(live.changes.join('\n')).toMatch(/agent.dataDir "\/srv\/old-data" → "\."[\s\S]*vault.backend "service-file"/);
    expect(folderWritePaths(loaded.config)).toEqual(['/srv/bank-drop', '/srv/bank-archive']);
  });

  it('keeps a vault the config chose', () => {
    const withVault = ETC.replace('"sources"', '"vault": { "backend": "keychain" },\n  "sources"');
    expect(parseConfigText(liveConfigFrom(withVault, '/e/a.json', '/v/l.json').text, '/v/l.json').config.vault).toEqual({ backend: 'keychain' });
  });

  it('names the /etc file when it is not a valid config', () => {
    expect(() => liveConfigFrom('{"agent": {}}', '/etc/tya-agent/agent.json', '/v/l.json')).toThrow(/\/etc\/tya-agent\/agent.json is not a valid agent configuration/);
  });
});

describe('installService refusals (nothing is changed)', () => {
  const base = { nodePath: process.execPath, entry: '/opt/tya/main.ts', users: systemUsers, systemctl: hostSystemctl('/x'), out: () => {} };

  it('refuses Node or the agent under /home, which ProtectHome hides from the service', () => {
    const layout = serviceLayout({ root: path.join(dir, 'a') });
    expect(() => installService({ ...base, layout, entry: '/home/me/agent/main.ts' })).toThrow(/ProtectHome=yes/);
  });

  it('does not overwrite a different /etc config, and says where to change a running service', () => {
    const layout = serviceLayout({ root: path.join(dir, 'b') });
    const given = path.join(dir, 'given.json');
    writeFileSync(given, ETC);
    mkdirSync(layout.etcDir, { recursive: true });
    writeFileSync(layout.etcConfig, ETC.replace('store-7', 'store-8'));
    let error: unknown = null;
    try {
      installService({ ...base, layout, fromConfig: given });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain(`${layout.etcConfig} already exists and differs from ${given}; nothing was changed`);
    expect((error as CliError).hint).toContain(layout.liveConfig);
    expect(readFileSync(layout.etcConfig, 'utf8')).toContain('store-8');
    expect(existsSync(layout.dataDir)).toBe(false);
  });
});

describe('enterServiceContext refusals', () => {
  it('says the service is not installed when its live config is missing', () => {
    expect(() => enterServiceContext({ service: true }, () => {}, path.join(dir, 'nothing'))).toThrow(/The service is not installed here/);
  });

  it('refuses --service with a config that does not choose the service vault, naming the setting', () => {
    const file = path.join(dir, 'keychain.json');
    writeFileSync(file, ETC);
    expect(() => enterServiceContext({ service: true, config: file }, () => {})).toThrow(/does not choose the service vault/);
  });

  it('leaves a keychain config alone without --service', () => {
    const file = path.join(dir, 'plain.json');
    writeFileSync(file, ETC);
    expect(enterServiceContext({ config: file }, () => {})).toBe(file);
  });
});
