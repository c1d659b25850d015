import type { BrowserWindowConstructorOptions } from 'electron';

/** The dashboard's Content-Security-Policy: nothing from outside, no inline script, no eval. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** Every window is isolated and sandboxed; the preload is the only bridge (DESIGN.md §8). */
export function dashboardWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'TYA Sync Agent',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/**
 * In-window navigation stays on the dashboard page (hash routes only); anything else is denied.
 * Links to the web open nowhere: the dashboard has none, and a crafted one must not load in-app.
 */
export function isAllowedNavigation(target: string, rendererIndexUrl: string): boolean {
  try {
    const to = new URL(target);
    const ours = new URL(rendererIndexUrl);
    return to.protocol === ours.protocol && to.host === ours.host && to.pathname === ours.pathname;
  } catch {
    return false;
  }
}

/** The dashboard needs no permission (camera, notifications from the page, geolocation…). */
export function allowPermission(_permission: string): boolean {
  return false;
}

/** Response headers for every file the window loads: the CSP is enforced even if the HTML's meta tag changed. */
export function withCsp(headers: Record<string, string[] | string>): Record<string, string[] | string> {
  return { ...headers, 'Content-Security-Policy': [DASHBOARD_CSP] };
}
