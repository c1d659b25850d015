/**
 * Expected arrivals on a real agent process (issue 16 item 10): a till folder expected to deliver a
 * shift close every night by 02:00 that has been silent since the day before yesterday raises an
 * alert in words in `status` (and so in the heartbeat, tray and dashboard); the next Z report that
 * arrives clears it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusSchema, type AgentStatus } from '../../agents/api/index.ts';
import { sampleZReport, zReportJson } from '../../agents/formats/zreport/zreport-samples.ts';
import { Outbox } from '../../agents/outbox/index.ts';
import { systemClock } from '../../agents/pipeline/clock.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { runCli, startAgentProcess, waitFor, writeAgentConfig, type AgentProcess } from '../helpers/agent-process.ts';
import { dropFile } from '../helpers/folder-files.ts';

let dir: string;
let tillDir: string;
let sandbox: Sandbox;
let configFile: string;
let agent: AgentProcess | undefined;

async function status(): Promise<AgentStatus> {
  const result = await runCli(['status', '--json', '--config', configFile]);
  return AgentStatusSchema.parse(JSON.parse(result.stdout));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tya-arrival-'));
  tillDir = path.join(dir, 'till');
  mkdirSync(tillDir);
  sandbox = await startSandbox({ port: 0, dbPath: path.join(dir, 'sandbox.db') });
  configFile = writeAgentConfig(path.join(dir, 'agent.json'), {
    agent: { name: 'Arrivals', dataDir: 'data' },
    cloud: { url: sandbox.url, entity: 'store-9', heartbeatIntervalSecs: 3600 },
    sources: [
      {
        type: 'folder',
        name: 'tills',
        path: tillDir,
        kind: 'zreport',
        stableMs: 200,
        timeZone: 'Europe/Vienna',
        expect: [{ stream: 'shift_reports', by: '0 2 * * *', what: 'shift close' }],
      },
    ],
  });
  const { key } = await new SandboxAdmin(sandbox.url).createEnrollmentKey({ entities: ['store-9'] });
  const enrolled = await runCli(['enroll', '--url', sandbox.url, '--key', '-', '--config', configFile], { input: key });
  expect(enrolled.code, enrolled.stderr).toBe(0);
  // The agent has watched this till since the day before yesterday (as if it had run all along).
  const outbox = Outbox.open({
    path: path.join(dir, 'data', 'outbox.db'),
    maxBytes: 1 << 30,
    synchronous: 'FULL',
    clock: systemClock,
  });
  try {
    outbox.setState('arrival.since:tills/shift_reports', String(Date.now() - 2 * 86_400_000 - 3_600_000));
  } finally {
    outbox.close();
  }
});

afterAll(async () => {
  await agent?.kill('SIGKILL');
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('expected arrivals', () => {
  it('a silent till raises "No shift close from tills…" in status; the next Z report clears it', async () => {
    agent = startAgentProcess(configFile);
    const code = 'arrival_missing:tills:shift_reports';
    await waitFor(
      'the missing shift close in status',
      async () => (await status()).alerts.some((a) => a.code === code),
      {
        describe: () => agent!.output(),
      },
    );
    const alert = (await status()).alerts.find((a) => a.code === code)!;
    expect(alert.message).toMatch(
      /^No shift close from tills has arrived since the agent began watching at \w{3} \d{1,2} \w{3}, \d\d:\d\d Europe\/Vienna; one was expected by \w{3} \d{1,2} \w{3}, 02:00 Europe\/Vienna\.$/,
    );
    expect(alert.kind).toBe('condition');
    const text = await runCli(['status', '--config', configFile]);
    expect(text.stdout).toContain('No shift close from tills');

    dropFile(tillDir, 'Z-00412.json', zReportJson([sampleZReport()]));
    await waitFor(
      'the alert cleared by the arrival',
      async () => !(await status()).alerts.some((a) => a.code === code),
      {
        describe: () => agent!.output(),
      },
    );
  });
});
