import { describe, expect, it } from 'vitest';
import { allowPermission, DASHBOARD_CSP, dashboardWindowOptions, isAllowedNavigation, withCsp } from './window-options.ts';

const INDEX = 'file:///opt/tya/dist/renderer/index.html';

describe('dashboard window options', () => {
  it('isolates and sandboxes the renderer', () => {
    const prefs = dashboardWindowOptions('/app/preload.cjs').webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(prefs?.preload).toBe('/app/preload.cjs');
  });

  it('has a CSP that allows no remote code, and puts it on every response', () => {
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("object-src 'none'");
    expect(DASHBOARD_CSP).toContain("frame-ancestors 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(DASHBOARD_CSP).not.toMatch(/https?:/);
    expect(withCsp({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ['default-src *'] })['Content-Security-Policy']).toEqual([DASHBOARD_CSP]);
  });

  it('denies navigation away from the dashboard page and every permission', () => {
    expect(isAllowedNavigation(`${INDEX}#/sources`, INDEX)).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'http://127.0.0.1:1234/', 'javascript:alert(1)', '']) {
      expect(isAllowedNavigation(url, INDEX), url).toBe(false);
    }
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) expect(allowPermission(permission)).toBe(false);
  });
});
