/**
 * The dashboard's write-back routes (docs/writeback.md): the same writeback.db and the same engine
 * functions as `tya-agent writeback` (state.decide, fieldViews), so a decision made here is applied,
 * reported and audited by the running write-back exactly like one made in the CLI, with the
 * dashboard's caller as the audit actor.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WritebackConflict, WritebackEntry, WritebackItemState, FieldChoiceInput, WritebackDecision } from '../../api/index.ts';
import { currentActor } from '../../outbox/audit-actor.ts';
import { fieldViews } from '../../writeback/conflict-policy.ts';
import { WRITEBACK_DB, WritebackState, type StoredItem } from '../../writeback/writeback-state.ts';
import { ControlHttpError } from '../control-routes.ts';

export interface WritebackPort {
  list(filter: { state?: WritebackItemState | undefined; limit: number }): WritebackEntry[];
  conflicts(): WritebackConflict[];
  resolve(id: string, choice: Record<string, FieldChoiceInput>): WritebackDecision;
  confirm(id: string, applied: boolean): WritebackDecision;
}

export interface WritebackPortDeps {
  dataDir: string;
  nowIso(): string;
  /** Asks the running write-back for a pass now; false when no write-back part runs. */
  wake(): boolean;
}

export function createWritebackPort(deps: WritebackPortDeps): WritebackPort {
  const path = join(deps.dataDir, WRITEBACK_DB);
  /** Each call opens writeback.db as the CLI does (WAL: the running part keeps writing meanwhile). */
  const withState = <T>(none: T, work: (state: WritebackState) => T): T => {
    if (!existsSync(path)) return none;
    const state = new WritebackState(path);
    try {
      return work(state);
    } finally {
      state.close();
    }
  };
  const pendingKinds = (state: WritebackState) => new Map(state.decisions().map((d) => [d.id, d.kind]));
  const mustGet = (state: WritebackState, id: string): StoredItem => {
    const stored = state.get(id);
    if (stored === undefined) throw new ControlHttpError(404, 'writeback_unknown', `There is no write-back item ${id} on this agent.`);
    return stored;
  };
  const applyNote = () =>
    deps.wake()
      ? 'the agent applies it now and records it in the audit log.'
      : 'the agent applies it on its next write-back pass (write-back is not running right now) and records it in the audit log.';

  return {
    list: ({ state: only, limit }) =>
      withState([], (state) => {
        const pending = pendingKinds(state);
        return state
          .all()
          .filter((s) => only === undefined || s.state === only)
          .reverse()
          .slice(0, limit)
          .map((s) => ({
            id: s.id,
            target: s.target,
            key: s.item.key,
            seq: s.seq,
            state: s.state,
            status: s.result?.status ?? null,
            resolution: s.result?.resolution ?? null,
            message: s.result?.message ?? null,
            reported: s.reported,
            createdAt: s.item.createdAt,
            receivedAt: s.receivedAt,
            decisionPending: pending.get(s.id) ?? null,
          }));
      }),

    conflicts: () =>
      withState([], (state) => {
        const pending = pendingKinds(state);
        return state.conflicts().flatMap((c) => {
          const stored = state.get(c.id);
          if (stored === undefined || stored.state !== 'conflict-waiting') return [];
          const premises = { data: c.premises as Record<string, string | null>, version: c.premisesVersion };
          return [{
            id: c.id,
            target: stored.target,
            key: stored.item.key,
            seq: stored.seq,
            createdAt: stored.item.createdAt,
            receivedAt: stored.receivedAt,
            fields: fieldViews(stored.item, premises).map((f) => ({ ...f, conflicted: c.fields.includes(f.field) })),
            decisionPending: pending.get(c.id) === 'resolve',
          }];
        });
      }),

    resolve: (id, choice) => {
      const note = withState(null, (state) => {
        const stored = mustGet(state, id);
        if (stored.state !== 'conflict-waiting') {
          throw new ControlHttpError(409, 'writeback_not_waiting', `${id} is not a conflict waiting for a person (it is ${stored.state}).`);
        }
        const fields = Object.keys(stored.item.data);
        const unknown = Object.keys(choice).filter((f) => !fields.includes(f));
        if (unknown.length > 0) {
          throw new ControlHttpError(400, 'writeback_bad_field', `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of this item (${fields.join(', ')}).`);
        }
        if (Object.keys(choice).length === 0) {
          throw new ControlHttpError(400, 'writeback_no_choice', 'Say what to keep for each field: cloud, premises, base or a value.');
        }
        state.decide({ id, kind: 'resolve', choice, actor: currentActor() }, deps.nowIso());
        return true;
      });
      if (note === null) throw new ControlHttpError(404, 'writeback_unknown', `There is no write-back item ${id} on this agent.`);
      return { id, message: `Resolution of ${id} stored; ${applyNote()}` };
    },

    confirm: (id, applied) => {
      const found = withState(null, (state) => {
        const stored = mustGet(state, id);
        if (stored.state !== 'outcome-unknown') {
          throw new ControlHttpError(409, 'writeback_not_unknown', `${id} is not an item whose outcome is unknown (it is ${stored.state}).`);
        }
        state.decide({ id, kind: 'confirm', applied, actor: currentActor() }, deps.nowIso());
        return true;
      });
      if (found === null) throw new ControlHttpError(404, 'writeback_unknown', `There is no write-back item ${id} on this agent.`);
      return { id, message: `${applied ? 'Confirmed as applied' : 'Confirmed as not applied (it is written again)'}; ${applyNote()}` };
    },
  };
}
