/**
 * One answer to "who may do this": every dashboard action (preload/contract.ts ACTION_ROLES) needs
 * exactly the role of the control route it calls (agents/control/v1), found through HTTP_CALLS.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingHandlers } from '../../agents/control/control-fixtures.ts';
import { matchRoute } from '../../agents/control/route-table.ts';
import { controlRouteTable } from '../../agents/control/v1/index.ts';
import { ACTION_ROLES, HTTP_CALLS, type InvokeMethod } from '../../preload/contract.ts';
import { REPO_ROOT } from '../helpers/agent-process.ts';

/** Arguments good enough to build each call's path. */
const SAMPLE_ARGS: Partial<Record<InvokeMethod, unknown[]>> = {
  saveSource: [{ config: {} }, 'erp'],
  removeSource: ['erp'],
  previewRows: [{ config: {} }, 't', 1],
  pauseSource: ['erp'],
  resumeSource: ['erp'],
  resyncSource: ['erp'],
  approveFile: ['bank', 'a'.repeat(64)],
  rejectFile: ['bank', 'a'.repeat(64)],
  voidFile: ['bank', 'a'.repeat(64)],
  retryDeadLetters: ['all'],
  discardDeadLetters: ['all'],
  listActivity: [{}],
  setSecret: ['sources/erp/password', 'x'],
  enroll: ['https://cloud.example', 'k'],
  acknowledgeAlert: ['code'],
  editQuarantine: [1, {}],
  replayQuarantine: ['all'],
  discardQuarantine: ['all'],
  saveMapping: ['erp', 'sales', '{}'],
  resolveConflict: ['wb-1', {}],
  confirmWriteback: ['wb-1', true],
};

describe('ACTION_ROLES', () => {
  it('names, for every dashboard action, the role its control route declares', () => {
    const routes = controlRouteTable(recordingHandlers(), undefined, { createLoginLink: () => ({ url: '', expiresAt: '' }) });
    const declared: Record<string, string> = {};
    for (const method of Object.keys(HTTP_CALLS) as InvokeMethod[]) {
      const call = (HTTP_CALLS[method] as (...args: unknown[]) => { method: string; path: string })(...(SAMPLE_ARGS[method] ?? []));
      const match = matchRoute(routes, call.method, call.path.split('?')[0]!);
      expect(match && 'route' in match, `${method}: ${call.method} ${call.path}`).toBeTruthy();
      declared[method] = (match as { route: { role: string } }).route.role;
    }
    expect(ACTION_ROLES).toEqual(declared);
  });
});

describe('docs/control-api.md', () => {
  it('lists every route with the role the route table declares, and no other', () => {
    const routes = controlRouteTable(recordingHandlers(), undefined, { createLoginLink: () => ({ url: '', expiresAt: '' }) });
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'control-api.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| (viewer|operator|admin) \| `(GET|POST|PUT|DELETE) (\/\S*)` \|/gm)].map((m) => `${m[2]} ${m[3]} ${m[1]}`);
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path} ${r.role}`).sort());
  });
});
