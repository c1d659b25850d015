/**
 * Electron main: composition only. Every decision is a pure function tested under Node
 * (windows/window-options.ts, tray/tray-state.ts); this file is glue. The tray app issue fills in
 * the agent host (utilityProcess) and the IPC handlers.
 */
import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { dashboardWindowOptions } from './windows/window-options.ts';

function createDashboard(): BrowserWindow {
  const window = new BrowserWindow(dashboardWindowOptions(path.join(import.meta.dirname, '../preload/index.js')));
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  void window.loadFile(path.join(import.meta.dirname, '../renderer/index.html'));
  window.once('ready-to-show', () => window.show());
  return window;
}

void app.whenReady().then(() => {
  createDashboard();
});
