/**
 * Admits a source to read under the entity its config names (issue 16, item 9). A source reads
 * only under the entity the outbox has bound it to (agents/outbox/source-entities.ts); when the
 * config names another (a bookkeeper moved it to another company), the source waits until what it
 * queued under the old entity has left (sent, or dead letters replayed or discarded, originals
 * uploaded), then moves, and only then reads again. Nothing read before the move can go out under
 * the new entity, and nothing read after it under the old one.
 */
import type { Logger } from '../telemetry/index.ts';
import type { SourceEntities, SourceLeftovers } from '../outbox/source-entities.ts';
import type { AuditRecorder } from '../outbox/audit-log.ts';

export interface EntityMovesDeps {
  bindings: SourceEntities;
  audit: AuditRecorder;
  logger: Logger;
  /** Shown on the source while it waits (status, dashboard, heartbeat). */
  onWaiting: (source: string, message: string) => void;
  /** The source may read now: start it. */
  onAdmitted: (source: string) => void;
  /** How often a waiting source looks again. */
  retryMs?: number;
}

export class EntityMoves {
  readonly #deps: EntityMovesDeps;
  readonly #waiting = new Map<string, { entity: string; timer: NodeJS.Timeout }>();

  constructor(deps: EntityMovesDeps) {
    this.#deps = deps;
  }

  /** True when `source` may read under `entity` now; otherwise it waits and `onAdmitted` follows. */
  admit(source: string, entity: string): boolean {
    this.forget(source);
    const bound = this.#deps.bindings.bind(source, entity);
    if (bound === entity) return true;
    return this.#tryMove(source, bound, entity);
  }

  /** Stops waiting for `source` (removed from the config, or started again); true if it was waiting. */
  forget(source: string): boolean {
    const waiting = this.#waiting.get(source);
    if (waiting === undefined) return false;
    clearTimeout(waiting.timer);
    return this.#waiting.delete(source);
  }

  stopAll(): void {
    for (const source of [...this.#waiting.keys()]) this.forget(source);
  }

  #tryMove(source: string, from: string, to: string): boolean {
    const left = this.#deps.bindings.move(source, to);
    if (left === null) {
      this.#deps.audit.record({ event: 'source-entity-moved', subject: source, details: { from, to } });
      this.#deps.logger.warn({ source, from, to }, `Source ${source} now sends for entity ${to} (it sent for ${from}).`);
      return true;
    }
    const message = waitingMessage(source, from, to, left);
    this.#deps.onWaiting(source, message);
    const timer = setTimeout(() => {
      this.#waiting.delete(source);
      if (this.#tryMove(source, from, to)) this.#deps.onAdmitted(source);
    }, this.#deps.retryMs ?? 5_000);
    timer.unref();
    this.#waiting.set(source, { entity: to, timer });
    return false;
  }
}

function waitingMessage(source: string, from: string, to: string, left: SourceLeftovers): string {
  const parts = [
    left.queued > 0 ? `${left.queued} queued change${left.queued === 1 ? '' : 's'}` : '',
    left.deadLetters > 0 ? `${left.deadLetters} dead letter${left.deadLetters === 1 ? '' : 's'} (replay or discard them)` : '',
    left.filesPending > 0 ? `${left.filesPending} original file${left.filesPending === 1 ? '' : 's'} not yet uploaded` : '',
  ].filter((part) => part !== '');
  return (
    `Source ${source} moves from entity ${from} to ${to} once what it read for ${from} has left: ${parts.join(', ')}. ` +
    `It does not read until then, so nothing of ${from} is sent under ${to}.`
  );
}
