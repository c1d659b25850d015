import { describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, dashboardWindowOptions } from './window-options.ts';

describe('dashboard window options', () => {
  it('isolates and sandboxes the renderer', () => {
    const prefs = dashboardWindowOptions('/app/preload.js').webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(prefs?.preload).toBe('/app/preload.js');
  });

  it('has a CSP that allows no remote code', () => {
    expect(DASHBOARD_CSP).toContain("default-src 'self'");
    expect(DASHBOARD_CSP).toContain("object-src 'none'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(DASHBOARD_CSP).not.toMatch(/https?:/);
  });
});
