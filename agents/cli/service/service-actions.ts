/**
 * `tya-agent service install|uninstall|status|start|stop`: the agent as a system service (systemd
 * on Linux, WinSW on Windows), so it runs with no one logged in. docs/service.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadConfigFile } from '../../engine/load-config.ts';
import type { CliIo } from '../cli-io.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { findRunningAgent } from '../running-agent.ts';
import { describeAlertChannels } from '../../engine/notify/channel-test.ts';
import { loadStoppedAlertConfig } from './stopped-config.ts';
import { installService } from './install-service.ts';
import { liveConfigFrom } from './live-config.ts';
import { serviceLayout, type ServiceLayout } from './service-layout.ts';
import { systemUsers } from './service-user.ts';
import { hostSystemctl } from './systemctl.ts';
import { systemdStoppedUnit, systemdUnit } from './systemd-unit.ts';
import { uninstallService } from './uninstall-service.ts';
import { winswXml } from './winsw-xml.ts';

export interface ServiceOptions {
  root?: string;
  user?: string;
  config?: string;
  print?: boolean;
  platform?: string;
  yes?: boolean;
  purgeData?: boolean;
}

/**
 * The agent's entry as it runs now (main.ts from a checkout, main.js when built), else the one next
 * to this folder; with the Node running it now, it becomes the service's ExecStart.
 */
const ENTRY = /^main\.[cm]?[jt]s$/.test(path.basename(process.argv[1] ?? '')) ? path.resolve(process.argv[1]!) : path.resolve(import.meta.dirname, '..', 'main.ts');

export async function serviceCommand(action: 'install' | 'uninstall' | 'status' | 'start' | 'stop', options: ServiceOptions, io: CliIo): Promise<ExitCodeValue> {
  const layout = serviceLayout({ root: options.root, user: options.user });
  const windows = (options.platform ?? process.platform) === 'win32' || options.platform === 'windows';
  if (action === 'install' && options.print) {
    io.out(windows ? winswXml({ nodePath: process.execPath, entry: ENTRY }) : printedUnit(layout));
    return ExitCode.ok;
  }
  if (windows) return windowsService(action, io);
  if (action !== 'status' && process.getuid?.() !== 0) {
    throw new CliError(ExitCode.usage, 'service_needs_root', `"tya-agent service ${action}" changes system files and users, so it must run as root.`, {
      hint: `Run it with sudo: sudo tya-agent service ${action} …`,
    });
  }
  const systemctl = hostSystemctl(layout.root);
  switch (action) {
    case 'install':
      return installService({ layout, fromConfig: options.config, nodePath: process.execPath, entry: ENTRY, users: systemUsers, systemctl, out: (line) => io.out(line) }).code;
    case 'uninstall':
      return uninstallService({
        layout,
        systemctl,
        yes: options.yes === true,
        purgeData: options.purgeData === true,
        interactive: Boolean(process.stdin.isTTY),
        confirm: ask,
        out: (line) => io.out(line),
      });
    case 'status':
      return serviceStatus(layout, io);
    case 'start':
    case 'stop': {
      const unusable = systemctl.unusableReason();
      if (unusable !== null) {
        throw new CliError(ExitCode.incomplete, 'systemd_unavailable', `Cannot ${action} the service: ${unusable}.`, {
          hint: `Where systemd runs: systemctl ${action} ${layout.unitName}. Without systemd, run the agent in the foreground: tya-agent run --config ${layout.liveConfig}`,
        });
      }
      const result = systemctl.run([action, layout.unitName]);
      if (!result.ok) {
        throw new CliError(ExitCode.incomplete, `service_${action}_failed`, `systemctl ${action} ${layout.unitName} failed: ${result.output}`, {
          hint: `See what the service said: journalctl -u ${layout.unitName} -n 50`,
        });
      }
      io.out(action === 'start' ? `Started ${layout.unitName}.` : `Stopped ${layout.unitName}.`);
      return ExitCode.ok;
    }
  }
}

function printedUnit(layout: ServiceLayout): string {
  const options = { nodePath: process.execPath, entry: ENTRY, user: layout.user, group: layout.group, configFile: layout.liveConfig, dataDir: layout.dataDir, unitName: layout.unitName };
  return `${systemdUnit(options)}\n# ${layout.stoppedUnitFile}\n${systemdStoppedUnit(options)}`;
}

function serviceStatus(layout: ServiceLayout, io: CliIo): ExitCodeValue {
  const installed = existsSync(layout.unitFile);
  io.out(`Unit:        ${installed ? layout.unitFile : `not installed (${layout.unitFile} does not exist)`}`);
  const account = systemUsers.lookup(layout.user);
  io.out(`User:        ${account === null ? `${layout.user} does not exist` : `${layout.user} (uid ${account.uid})`}`);
  io.out(`Live config: ${existsSync(layout.liveConfig) ? layout.liveConfig : 'none yet'}`);
  if (installed) io.out(`If stopped:  ${failureReport(layout)}`);
  const systemctl = hostSystemctl(layout.root);
  const unusable = systemctl.unusableReason();
  io.out(`systemd:     ${unusable ?? `${systemctl.run(['is-active', layout.unitName]).output} (${systemctl.run(['is-enabled', layout.unitName]).output})`}`);
  const running = existsSync(layout.liveConfig) ? findRunningAgent(loadConfigFile(layout.liveConfig).dataDir) : null;
  io.out(`Agent:       ${running === null ? 'not running' : `running, pid ${running.holder.pid}${running.url ? `, control API ${running.url}` : ''}`}`);
  if (!installed) return ExitCode.incomplete;
  return running === null ? ExitCode.notRunning : ExitCode.ok;
}

/** Whether systemd giving up on the agent reaches anyone: the failure unit, and the channels it would read. */
export function failureReport(layout: ServiceLayout): string {
  const handled = readFileSync(layout.unitFile, 'utf8').includes('\nOnFailure=') && existsSync(layout.stoppedUnitFile);
  let channels: string[] | null;
  try {
    // As notify-stopped reads it: a live config broken outside the alert's sections still names its channels.
    channels = describeAlertChannels(loadStoppedAlertConfig(layout.liveConfig).config.notify).map((c) => c.channel);
  } catch {
    channels = null;
  }
  return stoppedReportWords({ handled, channels, stoppedUnit: path.basename(layout.stoppedUnitFile), liveConfig: layout.liveConfig });
}

/** "If stopped:" in words: who hears when systemd gives up (channels null: the live config cannot be read). */
function stoppedReportWords(o: { handled: boolean; channels: string[] | null; stoppedUnit: string; liveConfig: string }): string {
  if (!o.handled) return 'nobody is told: this unit predates the failure alert. Run "tya-agent service install" again (it keeps the live config).';
  if (o.channels === null) return `nobody is told: ${o.liveConfig} cannot be read. Run "tya-agent doctor --config ${o.liveConfig}".`;
  if (o.channels.length === 0) {
    return `status and the dashboard say so, but no alert channel is configured, so nobody is told. Add "notify" to ${o.liveConfig}, then run "tya-agent alerts test --service".`;
  }
  return `the alert channels are told: ${o.channels.join(', ')} (${o.stoppedUnit})`;
}

/**
 * Windows: writes the WinSW definition and the live config into %ProgramData%\TYA Sync Agent. WinSW
 * itself (a separate, signed download) registers it; the agent does not ship or run it.
 */
function windowsService(action: string, io: CliIo): ExitCodeValue {
  const programData = process.env.ProgramData ?? 'C:\\ProgramData';
  const dataDir = path.join(programData, 'TYA Sync Agent');
  const definition = path.join(dataDir, 'service', 'tya-agent.xml');
  if (action !== 'install') {
    throw new CliError(ExitCode.usage, 'service_windows_winsw', `On Windows, "${action}" is done by WinSW: WinSW.exe ${action} "${definition}".`, {
      hint: 'Run it in an administrator prompt (docs/service.md "Windows").',
    });
  }
  mkdirSync(path.dirname(definition), { recursive: true });
  writeFileSync(definition, winswXml({ nodePath: process.execPath, entry: ENTRY }));
  io.out(`Wrote the WinSW service definition ${definition}.`);
  const etcConfig = path.join(dataDir, 'agent.json');
  const liveConfig = path.join(dataDir, 'tya-agent.json');
  if (existsSync(etcConfig) && !existsSync(liveConfig)) {
    writeFileSync(liveConfig, liveConfigFrom(readFileSync(etcConfig, 'utf8'), etcConfig, liveConfig).text);
    io.out(`Wrote the live config ${liveConfig}.`);
  }
  io.out(`Not registered yet: download WinSW v3 (github.com/winsw/winsw) and run, as administrator: WinSW.exe install "${definition}"`);
  return ExitCode.incomplete;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
