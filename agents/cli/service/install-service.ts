/**
 * `tya-agent service install` on Linux: the dedicated user, the data dir with the live config, the
 * hardened unit, then systemctl when systemd runs here. Every path comes from the layout, so a test
 * installs into a throwaway root.
 */
import { chownSync, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfigText } from '../../engine/load-config.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { folderWritePaths, liveConfigFrom } from './live-config.ts';
import type { ServiceLayout } from './service-layout.ts';
import type { ServiceAccount, ServiceUsers } from './service-user.ts';
import type { Systemctl } from './systemctl.ts';
import { systemdStoppedUnit, systemdUnit } from './systemd-unit.ts';

export interface InstallServiceOptions {
  layout: ServiceLayout;
  /** A config to start from; copied to /etc/tya-agent/agent.json when that does not exist yet. */
  fromConfig?: string;
  nodePath: string;
  entry: string;
  users: ServiceUsers;
  systemctl: Systemctl;
  out: (line: string) => void;
}

export interface InstallServiceResult {
  code: ExitCodeValue;
  account: ServiceAccount;
  createdUser: boolean;
  unit: string;
}

export function installService(options: InstallServiceOptions): InstallServiceResult {
  const { layout, out } = options;
  for (const [name, file] of [['Node', options.nodePath], ['the agent', options.entry]] as const) {
    if (/^\/(home|root|run\/user)(\/|$)/.test(file)) {
      throw new CliError(ExitCode.usage, 'service_path_in_home', `${name} is at ${file}, which the service cannot see (the unit sets ProtectHome=yes).`, {
        hint: 'Install Node 24 and the agent outside /home and /root (e.g. under /opt/tya-agent), then run the install from there.',
      });
    }
  }
  const etcText = startingConfig(options);
  const account = options.users.lookup(layout.user);
  const createdUser = account === null;
  const user = account ?? options.users.create(layout.user, layout.dataDir);
  out(createdUser ? `Created the system user ${user.name} (uid ${user.uid}, no login shell, home ${layout.dataDir}).` : `The user ${user.name} exists (uid ${user.uid}); using it.`);

  // Parents readable (the service user must get through them), the data dir itself private.
  mkdirSync(path.dirname(layout.dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(layout.dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(layout.liveConfig)) {
    out(`Kept the live config ${layout.liveConfig} (the one the agent and the dashboard use; ${layout.etcConfig} does not replace it).`);
  } else {
    const live = liveConfigFrom(etcText, layout.etcConfig, layout.liveConfig);
    writeFileSync(layout.liveConfig, live.text, { mode: 0o600 });
    out(`Wrote the live config ${layout.liveConfig} from ${layout.etcConfig}${live.changes.length > 0 ? ', with:' : '.'}`);
    for (const change of live.changes) out(`  ${change}`);
  }
  // The service user must own everything in its data dir (files an admin made as root included).
  chownTree(layout.dataDir, user);

  const loaded = parseConfigText(readFileSync(layout.liveConfig, 'utf8'), layout.liveConfig);
  const unitOptions = {
    nodePath: options.nodePath,
    entry: options.entry,
    user: user.name,
    group: layout.group,
    configFile: layout.liveConfig,
    dataDir: layout.dataDir,
    extraReadWritePaths: folderWritePaths(loaded.config),
    unitName: layout.unitName,
  };
  const unit = systemdUnit(unitOptions);
  mkdirSync(path.dirname(layout.unitFile), { recursive: true, mode: 0o755 });
  writeFileSync(layout.unitFile, unit, { mode: 0o644 });
  writeFileSync(layout.stoppedUnitFile, systemdStoppedUnit(unitOptions), { mode: 0o644 });
  out(`Wrote the unit ${layout.unitFile}, and ${path.basename(layout.stoppedUnitFile)}, which tells the alert channels if systemd gives up on it.`);

  const unusable = options.systemctl.unusableReason();
  if (unusable !== null) {
    out(`Not started: ${unusable}. The files are in place; on the machine that runs systemd, run:`);
    out(`  systemctl daemon-reload && systemctl enable --now ${layout.unitName}`);
    return { code: ExitCode.incomplete, account: user, createdUser, unit };
  }
  for (const args of [['daemon-reload'], ['enable', '--now', layout.unitName]]) {
    const result = options.systemctl.run(args);
    if (!result.ok) {
      out(`systemctl ${args.join(' ')} failed: ${result.output}`);
      out(`See "journalctl -u ${layout.unitName}", fix the cause, then run: systemctl enable --now ${layout.unitName}`);
      return { code: ExitCode.incomplete, account: user, createdUser, unit };
    }
  }
  out(`Started and enabled ${layout.unitName}. Next: enroll it with "tya-agent enroll --service --url <cloud> --key -".`);
  return { code: ExitCode.ok, account: user, createdUser, unit };
}

/** The /etc config's text, after copying --config there when /etc has none. */
function startingConfig(options: InstallServiceOptions): string {
  const { layout, fromConfig, out } = options;
  if (fromConfig !== undefined && path.resolve(fromConfig) !== layout.etcConfig) {
    const given = readFileSync(fromConfig, 'utf8');
    if (existsSync(layout.etcConfig)) {
      if (readFileSync(layout.etcConfig, 'utf8') !== given) {
        throw new CliError(ExitCode.usage, 'service_config_exists', `${layout.etcConfig} already exists and differs from ${fromConfig}; nothing was changed.`, {
          hint: `Edit the live config ${layout.liveConfig} (or the dashboard) to change a running service, or install without --config to use ${layout.etcConfig}.`,
        });
      }
    } else {
      mkdirSync(layout.etcDir, { recursive: true, mode: 0o755 });
      copyFileSync(fromConfig, layout.etcConfig);
      out(`Copied ${fromConfig} to ${layout.etcConfig} (the configuration the service starts from).`);
    }
  }
  if (!existsSync(layout.etcConfig)) {
    throw new CliError(ExitCode.config, 'config_missing', `No configuration to install: ${layout.etcConfig} does not exist.`, {
      hint: 'Pass the config with --config FILE (it is copied there), or write that file first (README "Configuration").',
    });
  }
  return readFileSync(layout.etcConfig, 'utf8');
}

function chownTree(dir: string, account: ServiceAccount): void {
  chownSync(dir, account.uid, account.gid);
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    if (!lstatSync(file).isSymbolicLink()) chownSync(file, account.uid, account.gid);
  }
}
