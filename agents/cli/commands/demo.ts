import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent } from '../../engine/agent.ts';
import { loadConfigFile } from '../../engine/load-config.ts';
import { AGENT_VERSION } from '../../engine/version.ts';
import { enrollAgent } from '../../delivery/index.ts';
import type { CliIo } from '../cli-io.ts';
import { ExitCode, type ExitCodeValue } from '../exit-codes.ts';
import { PosActivity } from '../demo/pos-database.ts';
import { demoAgentConfig } from '../demo/demo-config.ts';
import { startSandboxProcess } from '../demo/sandbox-process.ts';
import { waitForStopSignal } from './run.ts';

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
  const startAt = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');
  const pos = PosActivity.create(path.join(dir, 'pos.db'), { seed: options.seed, startAt });
  io.out(`Sample POS database: ${pos.path} (${pos.count('receipts')} receipts, ${pos.count('shifts')} shifts so far)`);

  const enrollmentKey = `demo-${randomBytes(12).toString('hex')}`;
  const sandbox = await startSandboxProcess({ port: options.port, dbPath: path.join(dir, 'sandbox.db'), enrollmentKey });
  let agent: Agent | null = null;
  let activity: NodeJS.Timeout | null = null;
  try {
    const configFile = path.join(dir, 'tya-agent.json');
    writeFileSync(configFile, JSON.stringify(demoAgentConfig({ posDatabase: pos.path, cloudUrl: sandbox.url, dataDir: 'agent-data' }), null, 2));
    const loaded = loadConfigFile(configFile);

    const enrolling = Agent.open({ loaded });
    try {
      await enrollAgent({
        url: sandbox.url,
        enrollmentKey,
        name: loaded.config.agent.name,
        hostname: os.hostname(),
        version: AGENT_VERSION,
        secrets: enrolling.secretStore,
        outbox: enrolling.outbox,
      });
    } finally {
      enrolling.outbox.close();
    }
    agent = await Agent.start({ loaded });

    io.out('');
    io.out('The demo is running:');
    io.out(`  Sandbox cloud (open in a browser): ${sandbox.url}/`);
    io.out(`  Agent status:  node agents/cli/main.ts status --config ${configFile}`);
    io.out(`  Agent log:     ${agent.layout.logFile}`);
    io.out('New receipts arrive every few seconds; a shift closes now and then. Ctrl-C stops everything.');
    io.out('');

    let tick = 0;
    activity = setInterval(() => {
      tick += 1;
      const ids = pos.addReceipts(1 + (tick % 3));
      io.out(`Till: ${ids.length} new receipt${ids.length === 1 ? '' : 's'} (#${ids.join(', #')})`);
      if (tick % 6 === 0) {
        const register = pos.registerIds()[tick % pos.registerIds().length]!;
        const closed = pos.closeShift(register);
        if (closed) io.out(`Till ${register}: shift closed, Z-${String(closed.zNumber).padStart(5, '0')} (sent in the urgent lane)`);
        pos.openShift(register);
      }
      void agent?.syncNow();
    }, 3000);

    if (options.durationSecs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, options.durationSecs! * 1000));
    } else {
      await waitForStopSignal();
    }
    io.out('Stopping the demo…');
    return ExitCode.ok;
  } finally {
    if (activity) clearInterval(activity);
    await agent?.stop();
    await sandbox.stop();
    pos.close();
  }
}
