/**
 * Write-back as a part of the running agent: applies the cloud's items when the cloud says
 * `writeback-available` and every `writeback.pollSecs`, one pass at a time. Runs only when the config
 * has a `writeback` section with targets.
 */
import { join } from 'node:path';
import type { AgentPart, AgentPartContext } from '../engine/agent-part.ts';
import type { SourceRecord } from '../api/index.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import { readEnrollment } from '../delivery/enrollment.ts';
import { runAsActor } from '../outbox/audit-actor.ts';
import { WritebackApplier } from './writeback-applier.ts';
import { WRITEBACK_DB, WritebackState } from './writeback-state.ts';

export { WRITEBACK_DB };

export function startWritebackPart(ctx: AgentPartContext): Promise<AgentPart | null> {
  const section = ctx.config().writeback;
  if (section === undefined || section.targets.length === 0) return Promise.resolve(null);
  const state = new WritebackState(join(ctx.dataDir, WRITEBACK_DB));
  const applier = new WritebackApplier({
    config: () => ctx.config(),
    state,
    secrets: ctx.secrets,
    cloudKey: () => readEnrollment(ctx.outbox)?.cloudKey,
    audit: (entry, actor = 'system') => runAsActor(actor, () => ctx.outbox.audit.record(entry)),
    alert: (code, message) => {
      ctx.logger.warn({ code }, message);
      ctx.outbox.raiseAlert({ code, severity: 'warning', message });
    },
    nowIso: () => new Date(ctx.clock.now()).toISOString(),
  });
  applier.recoverInterrupted();

  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const pass = async (): Promise<void> => {
    const client = ctx.client();
    if (client === null) return;
    await applier.report(client);
    await applier.fetch(client);
    await applier.applyAll();
    await applier.report(client);
  };
  // One pass at a time; a request during a pass runs one more pass after it.
  const trigger = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running !== null) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (error) {
          ctx.logger.warn({ err: error }, 'Write-back pass failed; it is tried again on the next poll.');
        }
      } while (again && !stopped);
      running = null;
    })();
    return running;
  };
  const timer = setInterval(() => void trigger(), (ctx.config().writeback?.pollSecs ?? section.pollSecs) * 1000);
  timer.unref();
  void trigger();

  // isEcho takes a captured record (the capture loop) or a canonical key and data (tests, the CLI).
  const part: AgentPart & { isEcho(source: string, stream: string, keyJson: string | SourceRecord, data?: Record<string, unknown>): boolean } = {
    name: 'writeback',
    command(name) {
      if (name !== 'writeback-available') return undefined;
      void trigger();
      return Promise.resolve({ ok: true });
    },
    isEcho: (source: string, stream: string, keyJson: string | SourceRecord, data?: Record<string, unknown>) =>
      typeof keyJson === 'string'
        ? applier.isEcho(source, stream, keyJson, data ?? {})
        : keyJson.op === 'upsert' && applier.isEcho(source, stream, canonicalJson(keyJson.key), keyJson.data ?? {}),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      state.close();
    },
  };
  return Promise.resolve(part);
}
