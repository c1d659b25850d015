/**
 * The layer rules of DESIGN.md §3 are enforced by ESLint; this proves they bite: a deliberately
 * wrong import in each layer fails the lint, and an allowed one passes.
 *
 * Each case is a probe file written beside a real file of that layer (so the same rules apply) and
 * linted with the project's own config in one separate ESLint process, as `npm run lint` runs. Probe
 * files on disk, not stdin: type-aware parsing reads the project from disk, so linting stdin under an
 * existing file's name silently lints that file instead.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

const CASES = {
  electronInEngine: ['agents/engine', "import { app } from 'electron';\nexport const x = app;\n"],
  reactInOutbox: ['agents/outbox', "import React from 'react';\nexport const x = React;\n"],
  mainFromDelivery: ['agents/delivery', "import { trayStateFromStatus } from '../../main/tray/tray-state.ts';\nexport const y = trayStateFromStatus;\n"],
  nodeInApi: ['agents/api', "import fs from 'node:fs';\nexport const x = fs;\n"],
  zodInApi: ['agents/api', "import { z } from 'zod';\nexport const x = z;\n"],
  outboxInSandbox: ['sandbox', "import { Outbox } from '../agents/outbox/index.ts';\nexport const x = Outbox;\n"],
  apiInSandbox: ['sandbox', "import { BatchRequestSchema } from '../agents/api/cloud.ts';\nexport const x = BatchRequestSchema;\n"],
  nodeInRenderer: ['renderer/src', "import fs from 'node:fs';\nexport const x = fs;\n"],
  engineInRenderer: ['renderer/src', "import { Agent } from '../../agents/engine/agent.ts';\nexport const x = Agent;\n"],
  ipcMainInMain: ['main', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n"],
  httpValueInEngine: ['agents/control', "import { createServer } from 'node:http';\nexport const x = createServer;\n"],
  httpTypeInEngine: ['agents/control', "import type { Server } from 'node:http';\nexport type X = Server;\n"],
} as const satisfies Record<string, readonly [string, string]>;
type Case = keyof typeof CASES;

const probeFile = (name: Case) => path.join(REPO_ROOT, CASES[name][0], `layer-probe-${process.pid}-${name}.ts`);
const restricted = new Map<Case, string[]>();

beforeAll(() => {
  const names = Object.keys(CASES) as Case[];
  for (const name of names) writeFileSync(probeFile(name), CASES[name][1]);
  const run = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...names.map(probeFile)],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const results = JSON.parse(run.stdout || '[]') as Array<{ filePath: string; messages: Array<{ ruleId: string | null; message: string; fatal?: boolean }> }>;
  for (const name of names) {
    const result = results.find((r) => r.filePath === probeFile(name));
    const fatal = result?.messages.find((m) => m.fatal);
    if (!result || fatal) throw new Error(`ESLint did not lint the ${name} probe: ${fatal?.message ?? run.stderr}`);
    restricted.set(name, result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
  }
}, 200_000);

afterAll(() => {
  for (const name of Object.keys(CASES) as Case[]) rmSync(probeFile(name), { force: true });
});

describe('ESLint layer zones', () => {
  it('refuses electron in the headless engine', () => {
    expect(restricted.get('electronInEngine')!.join('\n')).toMatch(/never imports electron/);
  });

  it('refuses react and the app folders in agents/', () => {
    expect(restricted.get('reactInOutbox')).toHaveLength(1);
    expect(restricted.get('mainFromDelivery')).toHaveLength(1);
  });

  it('keeps agents/api pure', () => {
    expect(restricted.get('nodeInApi')).toHaveLength(1);
    expect(restricted.get('zodInApi')).toHaveLength(0);
  });

  it('lets the sandbox use agents/api but not agent internals', () => {
    expect(restricted.get('outboxInSandbox')).toHaveLength(1);
    expect(restricted.get('apiInSandbox')).toHaveLength(0);
  });

  it('keeps Node and the engine out of the renderer', () => {
    expect(restricted.get('nodeInRenderer')).toHaveLength(1);
    expect(restricted.get('engineInRenderer')).toHaveLength(1);
  });

  it('loads node:http in agents/ through nodeHttp only (types may be imported)', () => {
    expect(restricted.get('httpValueInEngine')!.join('\n')).toMatch(/nodeHttp/);
    expect(restricted.get('httpTypeInEngine')).toHaveLength(0);
  });

  it('touches ipcMain only in main/ipc', () => {
    expect(restricted.get('ipcMainInMain')).toHaveLength(1);
  });
});
