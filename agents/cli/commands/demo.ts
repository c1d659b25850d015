import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent } from '../../engine/agent.ts';
import { loadConfigFile } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { enrollAgent } from '../../delivery/index.ts';
import { ControlClient, defaultRendererDir } from '../../control/index.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { DEMO_ENTITY, demoAgentConfig } from '../demo/demo-config.ts';
import { demoScript, startJsonLineProcess, type JsonLineProcess } from '../demo/child-process.ts';
import { waitForStopSignal } from './run.ts';
import { shiftCloseLine } from '../demo/shift-close-line.ts';

export interface DemoOptions {
  dir: string;
  port: number;
  seed: number;
  durationSecs?: number;
}

/**
 * `tya-agent demo`: the whole product on one machine. A sample POS database (SQLite, read over
 * ODBC like a real till's) → this agent → the sandbox cloud, with new receipts every few seconds
 * and a shift closing now and then. Ctrl-C stops everything.
 */
export async function demoCommand(options: DemoOptions, io: CliIo): Promise<ExitCodeValue> {
  const dir = path.resolve(options.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const posDatabase = path.join(dir, 'pos.db');
  const till = await startJsonLineProcess({
    script: demoScript('./till-main'),
    args: [posDatabase, String(options.seed), '3000'],
    readyEvent: 'ready',
    what: 'The demo till',
    hint: 'Check that the demo folder is writable.',
    onLine: (event) => {
      if (event.event === 'receipts' && Array.isArray(event.ids)) {
        io.out(`Till: ${event.ids.length} new receipt${event.ids.length === 1 ? '' : 's'} (#${event.ids.join(', #')})`);
      } else if (event.event === 'shift-closed') {
        io.out(shiftCloseLine({ register: event.register, zNumber: event.zNumber, expectedCash: event.expectedCash, countedCash: event.countedCash }));
      }
    },
  });
  io.out(`Sample POS database: ${posDatabase} (${String(till.first.receipts)} receipts, ${String(till.first.shifts)} shifts so far)`);

  const enrollmentKey = `demo-${randomBytes(12).toString('hex')}`;
  let sandbox: JsonLineProcess | null = null;
  let agent: Agent | null = null;
  let progress: NodeJS.Timeout | null = null;
  try {
    sandbox = await startJsonLineProcess({
      script: demoScript('../../../sandbox/main'),
      args: ['--port', String(options.port), '--db', path.join(dir, 'sandbox.db'), '--enrollment-key', enrollmentKey, '--entity', DEMO_ENTITY],
      readyEvent: 'listening',
      what: 'The sandbox cloud',
      hint: `Is port ${options.port} already in use? Pass --port to pick another.`,
    });
    const cloudUrl = String(sandbox.first.url);
    const configFile = path.join(dir, 'tya-agent.json');
    writeFileSync(configFile, JSON.stringify(demoAgentConfig({ posDatabase, cloudUrl, dataDir: 'agent-data' }), null, 2));
    const loaded = loadConfigFile(configFile);

    const enrolling = Agent.open({ loaded });
    try {
      await enrollAgent({
        url: cloudUrl,
        enrollmentKey,
        name: loaded.config.agent.name,
        hostname: os.hostname(),
        version: AGENT_VERSION,
        secrets: enrolling.secretStore,
        outbox: enrolling.outbox,
      });
    } finally {
      await enrolling.close();
    }
    agent = await Agent.start({ loaded });

    io.out('');
    io.out('The demo is running:');
    io.out(`  Sandbox cloud (open in a browser): ${cloudUrl}/`);
    for (const line of await dashboardLines(loaded.dataDir, configFile)) io.out(line);
    io.out(`  Agent status:  scripts/tya-agent status --config ${configFile}   (in a second terminal)`);
    io.out(`  Agent log:     ${agent.layout.logFile}`);
    io.out('New receipts arrive every few seconds; a shift closes now and then. Ctrl-C stops everything.');
    io.out('');

    const running = agent;
    progress = setInterval(() => {
      const { queue } = running.status();
      io.out(`Agent: ${queue.delivered} changes delivered so far, ${queue.depth} waiting.`);
    }, 10_000);

    if (options.durationSecs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, options.durationSecs! * 1000));
    } else {
      await waitForStopSignal();
    }
    io.out('Stopping the demo…');
    return ExitCode.ok;
  } finally {
    if (progress) clearInterval(progress);
    await till.stop();
    await agent?.stop();
    await sandbox?.stop();
  }
}

/**
 * The agent's own dashboard (what a bookkeeper and IT see), reached through a one-time login link
 * as `tya-agent open-ui` gives it. The link is short-lived, so the lines also say how to get another.
 */
async function dashboardLines(dataDir: string, configFile: string): Promise<string[]> {
  const another = `scripts/tya-agent open-ui --config ${configFile}`;
  if (defaultRendererDir() === null) {
    return [`  Agent dashboard: not built here. Run "npm run build", then: ${another}`];
  }
  const client = ControlClient.fromDataDir(dataDir, { timeoutMs: 10_000 });
  const link = client === null ? null : await client.createLoginLink().catch(() => null);
  if (link === null) return [`  Agent dashboard: ${another}   (opens it in a browser)`];
  const until = link.expiresAt.slice(11, 16);
  return [
    `  Agent dashboard (open in a browser): ${link.url}`,
    `                   (the link works once, until ${until} UTC; for another: ${another})`,
  ];
}
