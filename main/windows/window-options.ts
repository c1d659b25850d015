import type { BrowserWindowConstructorOptions } from 'electron';

/** The dashboard's Content-Security-Policy: nothing from outside, no inline script, no eval. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Every window is isolated and sandboxed; the preload is the only bridge (DESIGN.md §8). */
export function dashboardWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 960,
    height: 680,
    show: false,
    title: 'TYA Sync Agent',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}
