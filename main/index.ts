/**
 * Electron main: composition only. Every decision is a pure function or an injected class tested
 * under Node (tray/, notifications/, agent-host/, windows/, ipc/); this file is glue and is only
 * type-checked here (the Electron binary cannot be downloaded on the build machines).
 */
import { app, BrowserWindow, Menu, nativeImage, Notification, session, Tray, utilityProcess } from 'electron';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AgentStatus } from '../agents/api/index.ts';
import { LIVE_EVENT_CHANNEL } from '../preload/contract.ts';
import { installerEnrollmentDir, pendingEnrollment } from './agent-host/first-start-enrollment.ts';
import { decideAgentHosting } from './agent-host/service-detection.ts';
import { Supervisor, type SupervisedChild } from './agent-host/supervisor.ts';
import { controlBackend } from './ipc/control-backend.ts';
import { ADMIN_SOCKET_FILE, controlEndpoint } from './ipc/control-endpoint.ts';
import { electronIpc } from './ipc/electron-ipc.ts';
import { registerIpcHandlers } from './ipc/ipc-handlers.ts';
import { NotificationRules } from './notifications/notification-rules.ts';
import { trayMenuTemplate, type TrayAction } from './tray/tray-menu.ts';
import { trayIconFile, trayStateFromStatus } from './tray/tray-state.ts';
import { startTrayUpdates } from './updates/tray-updater.ts';
import { allowPermission, dashboardWindowOptions, isAllowedNavigation, withCsp } from './windows/window-options.ts';

const root = path.join(import.meta.dirname, '..', '..');
const rendererIndex = path.join(root, 'dist', 'renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();
// With the agent service installed the app connects to it instead of hosting one (agent-host/service-detection.ts).
const hosting = decideAgentHosting({ platform: process.platform, env: process.env, exists: existsSync });
const dataDir = hosting.mode === 'connect-to-service' ? hosting.dataDir : (process.env.TYA_DATA_DIR ?? path.join(app.getPath('userData'), 'data'));
const configFile = process.env.TYA_CONFIG ?? path.join(app.getPath('userData'), 'agent.json');

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let status: AgentStatus | null = null;
const rules = new NotificationRules();
const agentCli = path.join(root, 'dist', 'agents', 'cli', 'main.js');
const notify = (body: string) => new Notification({ title: 'TYA Sync Agent', body }).show();

const backend = controlBackend(() => (hosting.mode === 'connect-to-service' ? controlEndpoint(dataDir, [ADMIN_SOCKET_FILE, ...hosting.socketFiles]) : controlEndpoint(dataDir)));

function openDashboard(): void {
  if (window !== null) {
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow(dashboardWindowOptions(path.join(root, 'dist', 'preload', 'index.cjs')));
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, rendererUrl)) event.preventDefault();
  });
  window.on('closed', () => (window = null));
  void window.loadURL(rendererUrl);
  window.once('ready-to-show', () => window?.show());
}

function onStatus(next: AgentStatus | null): void {
  status = next;
  const state = trayStateFromStatus(next);
  tray?.setImage(nativeImage.createFromPath(path.join(root, 'assets', 'icons', trayIconFile(state.state, 16))));
  tray?.setToolTip(state.tooltip);
  tray?.setContextMenu(buildMenu());
  for (const n of rules.update(next, Date.now())) new Notification({ title: n.title, body: n.body }).show();
  if (next !== null) window?.webContents.send(LIVE_EVENT_CHANNEL, { type: 'status', status: next });
}

function buildMenu(): Menu {
  const run = (action: TrayAction) => {
    switch (action) {
      case 'open-dashboard':
        return openDashboard();
      case 'sync-now':
        return void backend.syncNow();
      case 'pause':
        return void Promise.all((status?.sources ?? []).map((s) => backend.pauseSource(s.name)));
      case 'resume':
        return void Promise.all((status?.sources ?? []).map((s) => backend.resumeSource(s.name)));
      case 'quit':
        return app.quit();
    }
  };
  return Menu.buildFromTemplate(
    trayMenuTemplate(status).map((item) =>
      item.type === 'separator'
        ? { type: 'separator' as const }
        : item.type === 'status'
          ? { label: item.label, enabled: false }
          : { label: item.label, enabled: item.enabled, ...(item.accelerator ? { accelerator: item.accelerator } : {}), click: () => run(item.action) },
    ),
  );
}

function hostAgent(): Supervisor {
  const supervisor = new Supervisor({
    spawn: (): SupervisedChild => {
      const child = utilityProcess.fork(agentCli, ['run', '--config', configFile], { serviceName: 'TYA Sync Agent' });
      return { get pid() { return child.pid; }, onExit: (listener) => child.on('exit', listener), kill: () => child.kill() };
    },
    now: () => Date.now(),
    setTimer: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(timer) };
    },
    onState: (state) => {
      if (state.phase === 'needs-attention' || state.phase === 'gave-up') new Notification({ title: 'TYA Sync Agent', body: state.message }).show();
    },
  });
  supervisor.start();
  return supervisor;
}

/** After an unattended install (installer.nsh): enroll with the key it left, delete the spent key, then go on. */
function enrollFromInstaller(then: () => void): void {
  const pending = pendingEnrollment(installerEnrollmentDir(process.env, process.platform), configFile);
  if (pending.type === 'problem') notify(pending.message);
  if (pending.type !== 'enroll') return then();
  const child = utilityProcess.fork(agentCli, pending.args, { serviceName: 'TYA Sync Agent enrollment' });
  child.on('exit', (code) => {
    if (code === 0) for (const file of [pending.keyFile, pending.cloudUrlFile]) rmSync(file, { force: true });
    else notify(`Enrolling with the key from the installer failed (exit ${code}): open the dashboard to enroll, or run tya-agent enroll.`);
    then();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => openDashboard());
  void app.whenReady().then(() => {
    app.setLoginItemSettings({ openAtLogin: true });
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(allowPermission(permission)));
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders ?? {}) }));
    app.on('web-contents-created', (_event, contents) => contents.setWindowOpenHandler(() => ({ action: 'deny' })));
    registerIpcHandlers(electronIpc, backend, rendererUrl);
    tray = new Tray(nativeImage.createFromPath(path.join(root, 'assets', 'icons', trayIconFile('offline', 16))));
    tray.on('click', () => openDashboard());
    // With the agent service installed (the install issue) the app connects to it instead of hosting one.
    let supervisor: Supervisor | null = null;
    if (hosting.mode !== 'connect-to-service') enrollFromInstaller(() => (supervisor = hostAgent()));
    app.on('before-quit', () => supervisor?.stop());
    startTrayUpdates(app.isPackaged, notify);
    const poll = () => void backend.getStatus().then((r) => onStatus(r.ok ? r.value : null));
    poll();
    setInterval(poll, 2000);
  });
  app.on('window-all-closed', () => {
    // The tray keeps running: closing the dashboard does not stop syncing.
  });
}
