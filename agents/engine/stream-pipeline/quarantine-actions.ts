/**
 * What a person does with quarantined records, from the CLI (agent stopped) or the control API (agent
 * running): the same steps and the same audit entries either way. The actor is the caller's
 * (runAsActor): `cli`, or the control API's signed-in principal.
 */
import type { JsonObject, QuarantineEntry, QuarantineFilter, QuarantineStreamSummary, ReplayResult } from '../../api/index.ts';
import { currentActor } from '../../outbox/audit-actor.ts';
import type { Outbox } from '../../outbox/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { AgentPipeline } from './agent-pipeline.ts';

export type QuarantineIds = readonly number[] | 'all';

export class QuarantineActions {
  readonly #outbox: Outbox;
  readonly #pipeline: AgentPipeline;
  readonly #paused: (source: string) => boolean;
  /** Wakes delivery after a replay queued records. */
  readonly #queued: () => void;

  constructor(outbox: Outbox, pipeline: AgentPipeline, options: { isPaused?: (source: string) => boolean; onQueued?: () => void } = {}) {
    this.#outbox = outbox;
    this.#pipeline = pipeline;
    this.#paused = options.isPaused ?? (() => false);
    this.#queued = options.onQueued ?? (() => undefined);
  }

  list(filter: QuarantineFilter): QuarantineEntry[] {
    return this.#outbox.quarantine.list(filter);
  }

  get(id: number): QuarantineEntry {
    const entry = this.#outbox.quarantine.get(id);
    if (entry === undefined) throw new AgentError('quarantine_unknown', `There is no quarantined record ${id}.`, { hint: 'List them with "tya-agent quarantine list".' });
    return entry;
  }

  summary(): QuarantineStreamSummary[] {
    const alerts = new Set(this.#outbox.listAlerts().map((a) => a.code));
    return this.#outbox.quarantine.openCounts().map((c) => ({ ...c, spikePaused: alerts.has(`quarantine_spike:${c.source}`) && this.#paused(c.source) }));
  }

  /** Replaces the record as read (keeping the first version); it is mapped and validated again at replay. */
  edit(id: number, data: JsonObject): QuarantineEntry {
    const before = this.get(id);
    if (!this.#outbox.quarantine.edit(id, data, currentActor())) {
      throw new AgentError('quarantine_not_editable', `Record ${id} is ${before.status}${before.op === 'delete' ? ' (a delete has no data)' : ''}: only waiting upserts can be edited.`);
    }
    const changed = Object.keys({ ...before.data, ...data }).filter((k) => JSON.stringify(before.data?.[k]) !== JSON.stringify(data[k]));
    this.#outbox.audit.record({ event: 'quarantine-edited', subject: `${before.source}/${before.stream}#${id}`, details: { fields: changed.join(',') } });
    return this.get(id);
  }

  async replay(ids: QuarantineIds, scope: { source?: string; stream?: string } = {}): Promise<ReplayResult> {
    const result = await this.#pipeline.replay(ids, currentActor(), scope);
    this.#outbox.audit.record({ event: 'quarantine-replayed', subject: describeIds(ids, scope), details: { ...result } });
    if (result.replayed > 0) this.#queued();
    return result;
  }

  discard(ids: QuarantineIds, scope: { source?: string; stream?: string } = {}): number {
    const count = this.#outbox.quarantine.discard(ids, currentActor(), scope);
    this.#outbox.audit.record({ event: 'quarantine-discarded', subject: describeIds(ids, scope), details: { count } });
    return count;
  }
}

function describeIds(ids: QuarantineIds, scope: { source?: string; stream?: string }): string {
  const where = [scope.source, scope.stream].filter((s) => s !== undefined).join('/');
  const which = ids === 'all' ? 'all' : ids.slice(0, 20).join(',') + (ids.length > 20 ? `,… (${ids.length})` : '');
  return where === '' ? which : `${where}:${which}`;
}
