/**
 * The layer rules of DESIGN.md §3 are enforced by ESLint; this proves they bite: a deliberately
 * wrong import in each layer fails the lint, and an allowed one passes.
 */
import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restrictedImportMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('ESLint layer zones', () => {
  it('refuses electron in the headless engine', async () => {
    const messages = await restrictedImportMessages('agents/engine/agent.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(messages.join('\n')).toMatch(/never imports electron/);
  });

  it('refuses react and the app folders in agents/', async () => {
    expect(await restrictedImportMessages('agents/outbox/outbox.ts', "import React from 'react';\nexport const x = React;\n")).toHaveLength(1);
    expect(
      await restrictedImportMessages('agents/delivery/deliverer.ts', "import { x } from '../../main/tray/tray-state.ts';\nexport const y = x;\n"),
    ).toHaveLength(1);
  });

  it('keeps agents/api pure', async () => {
    expect(await restrictedImportMessages('agents/api/config.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).toHaveLength(1);
    expect(await restrictedImportMessages('agents/api/config.ts', "import { z } from 'zod';\nexport const x = z;\n")).toHaveLength(0);
  });

  it('lets the sandbox use agents/api but not agent internals', async () => {
    expect(
      await restrictedImportMessages('sandbox/server.ts', "import { Outbox } from '../agents/outbox/index.ts';\nexport const x = Outbox;\n"),
    ).toHaveLength(1);
    expect(
      await restrictedImportMessages('sandbox/server.ts', "import { BatchRequestSchema } from '../agents/api/cloud.ts';\nexport const x = BatchRequestSchema;\n"),
    ).toHaveLength(0);
  });

  it('keeps Node and the engine out of the renderer', async () => {
    expect(await restrictedImportMessages('renderer/src/main.tsx', "import fs from 'node:fs';\nexport const x = fs;\n")).toHaveLength(1);
    expect(
      await restrictedImportMessages('renderer/src/main.tsx', "import { Agent } from '../../agents/engine/agent.ts';\nexport const x = Agent;\n"),
    ).toHaveLength(1);
  });

  it('touches ipcMain only in main/ipc', async () => {
    expect(await restrictedImportMessages('main/index.ts', "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n")).toHaveLength(1);
  });
});
