/**
 * "What happened, in words" for the Activity screen: the sources' own notices ("Z-00412 uploaded."),
 * alerts raised and cleared, the cloud going away and coming back, and what people did in the
 * dashboard. Kept in the outbox (bounded, see activity-store.ts), so a restart forgets nothing.
 */
import type { ActivityEntry, AgentStatus } from '../../api/index.ts';
import type { ActivityFilter } from '../../outbox/index.ts';

/** Where entries are kept: the outbox. */
export interface ActivityKeeper {
  addActivity(entry: ActivityEntry): void;
  hasActivity(entry: Pick<ActivityEntry, 'kind' | 'at' | 'message'>): boolean;
  listActivity(filter: ActivityFilter): ActivityEntry[];
}

export class ActivityLog {
  readonly #store: ActivityKeeper;
  readonly #now: () => string;
  #seenNotices = new Set<string>();
  #alerts = new Map<string, string>();
  #reachable: boolean | null = null;
  #failing = new Set<string>();
  #primed = false;

  #added = 0;

  constructor(store: ActivityKeeper, now: () => string) {
    this.#store = store;
    this.#now = now;
  }

  add(kind: ActivityEntry['kind'], message: string, source: string | null = null, at = this.#now()): void {
    this.#store.addActivity({ at, kind, source, message });
    this.#added += 1;
  }

  list(filter: ActivityFilter): ActivityEntry[] {
    return this.#store.listActivity(filter);
  }

  /** Turns the differences between this status and the last one into entries; returns whether any were added. */
  observe(status: AgentStatus): boolean {
    const before = this.#added;
    for (const source of status.sources) {
      for (const notice of [...(source.notices ?? [])].reverse()) {
        const key = `${source.name}\u0000${notice.at}\u0000${notice.message}`;
        if (this.#seenNotices.has(key)) continue;
        this.#seenNotices.add(key);
        this.add(source.type === 'folder' ? 'file' : 'source', notice.message, source.name, notice.at);
      }
      const failing = source.state === 'error';
      if (failing && !this.#failing.has(source.name) && source.lastError !== null) {
        this.add('source', `${source.name} stopped reading: ${source.lastError.message}`, source.name, source.lastError.at);
      } else if (!failing && this.#failing.has(source.name) && source.state === 'ok') {
        this.add('source', `${source.name} is reading again.`, source.name);
      }
      if (failing) this.#failing.add(source.name);
      else this.#failing.delete(source.name);
    }
    const alerts = new Map(status.alerts.map((a) => [a.code, a.message]));
    for (const alert of status.alerts) {
      if (this.#alerts.has(alert.code)) continue;
      // After a restart the alerts still raised are already in the kept list: not raised again.
      if (!this.#primed && this.#store.hasActivity({ kind: 'alert', at: alert.since, message: alert.message })) continue;
      this.add('alert', alert.message, null, alert.since);
    }
    for (const code of this.#alerts.keys()) if (!alerts.has(code)) this.add('alert', `Resolved: ${this.#alerts.get(code) ?? code}`);
    this.#alerts = alerts;
    const reachable = status.cloud.reachable;
    if (this.#primed && reachable !== this.#reachable && reachable !== null) {
      this.add('cloud', reachable ? cloudAnswered(this.#reachable) : `The cloud cannot be reached: ${(status.cloud.lastError?.message ?? 'no answer').replace(/[.\s]+$/, '')}. Changes are kept safely and sent later.`);
    }
    this.#reachable = reachable;
    this.#primed = true;
    // The source keeps only its five newest notices: forget keys that can no longer come back.
    if (this.#seenNotices.size > 10_000) this.#seenNotices = new Set([...this.#seenNotices].slice(-5000));
    return this.#added !== before;
  }
}

/** "Again" only after it could not be reached: the first answer after a start is no recovery. */
function cloudAnswered(before: boolean | null): string {
  return before === false ? 'The cloud is reachable again; queued changes are being sent.' : 'The cloud answered; changes are being sent.';
}
