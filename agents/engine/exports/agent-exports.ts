/**
 * The running agent's exports: the runner every trigger goes through and the schedule, wired to the
 * agent's config, keychain, outbox (schedule state, alerts) and cloud link in one place so the
 * agent itself only starts, refreshes and stops them.
 */
import path from 'node:path';
import type { AgentConfig } from '../../api/index.ts';
import type { CloudClient } from '../../delivery/index.ts';
import type { Outbox } from '../../outbox/index.ts';
import type { SecretResolver } from '../../pipeline/source.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { ExportRunner, type ExportUpload } from './export-runner.ts';
import { ExportSchedule } from './export-schedule.ts';

export interface AgentExports {
  runner: ExportRunner;
  schedule: ExportSchedule;
}

export function agentExports(deps: {
  config: () => AgentConfig;
  secrets: SecretResolver;
  dataDir: string;
  outbox: Outbox;
  logger: Logger;
  now: () => number;
  /** The cloud client while enrolled and delivering; null otherwise. */
  client: () => CloudClient | null;
}): AgentExports {
  const logger = deps.logger.child({ component: 'exports' });
  const upload = (): ExportUpload | null => {
    const client = deps.client();
    if (client === null) return null;
    return (file, meta) => client.putFile(file.sha256, file, meta);
  };
  const runner = new ExportRunner({
    config: deps.config,
    secrets: deps.secrets,
    workDir: path.join(deps.dataDir, 'exports'),
    logger,
    now: deps.now,
    upload,
  });
  const schedule = new ExportSchedule({
    config: deps.config,
    state: deps.outbox,
    now: deps.now,
    logger,
    run: (name) => runner.runAndUpload(name, 'schedule'),
    failed: (name, message) =>
      deps.outbox.raiseAlert({ code: `export_failed:${name}`, severity: 'warning', message: `Scheduled export ${name} failed: ${message}` }),
    succeeded: (name) => deps.outbox.clearAlert(`export_failed:${name}`),
  });
  return { runner, schedule };
}
