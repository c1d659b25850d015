/**
 * A configured and enrolled agent data dir, ready for `tya-agent run` as a real process: the same
 * CLI an admin runs (enroll stores the credentials in the OS keychain, so benchmarks that start
 * agents run inside scripts/with-keyring.sh, as the tests do).
 */
import path from 'node:path';
import type { AgentConfigInput } from '../../agents/api/index.ts';
import { runCli, writeAgentConfig } from '../../test/helpers/agent-process.ts';
import type { SandboxProcess } from './sandbox-process.ts';
import type { SourceConfigInput } from './sqlite-source-file.ts';

export interface EnrolledAgent {
  configFile: string;
  dataDir: string;
  outboxPath: string;
}

export async function enrolledAgent(options: {
  dir: string;
  sandbox: SandboxProcess;
  name: string;
  sources?: SourceConfigInput[];
  cloud?: Partial<AgentConfigInput['cloud']>;
  outbox?: AgentConfigInput['outbox'];
}): Promise<EnrolledAgent> {
  const configFile = writeAgentConfig(path.join(options.dir, `${options.name}.json`), {
    agent: { name: options.name, dataDir: `${options.name}-data` },
    cloud: { url: options.sandbox.url, entity: 'bench', ...options.cloud },
    ...(options.outbox === undefined ? {} : { outbox: options.outbox }),
    sources: options.sources ?? [],
  });
  const { key } = await options.sandbox.admin.createEnrollmentKey({ entities: ['bench'] });
  const enrolled = await runCli(['enroll', '--url', options.sandbox.url, '--key', '-', '--config', configFile], { input: key });
  if (enrolled.code !== 0) {
    const hint = enrolled.code === 5 ? ' Run the benchmark inside scripts/with-keyring.sh (npm run bench does).' : '';
    throw new Error(`tya-agent enroll exited with ${enrolled.code}.${hint}\n${enrolled.stderr || enrolled.stdout}`);
  }
  const dataDir = path.join(options.dir, `${options.name}-data`);
  return { configFile, dataDir, outboxPath: path.join(dataDir, 'outbox.db') };
}
