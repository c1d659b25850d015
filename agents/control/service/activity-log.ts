/**
 * "What happened, in words" for the Activity screen: the sources' own notices ("Z-00412 uploaded."),
 * alerts raised and cleared, the cloud going away and coming back, and what people did in the
 * dashboard. Kept in memory (newest 2,000) since the agent started; the log file keeps the rest.
 */
import type { ActivityEntry, AgentStatus } from '../../api/index.ts';

const KEEP = 2000;

export class ActivityLog {
  readonly #entries: ActivityEntry[] = [];
  readonly #now: () => string;
  #seenNotices = new Set<string>();
  #alerts = new Map<string, string>();
  #reachable: boolean | null = null;
  #failing = new Set<string>();
  #primed = false;

  constructor(now: () => string) {
    this.#now = now;
  }

  add(kind: ActivityEntry['kind'], message: string, source: string | null = null, at = this.#now()): void {
    this.#entries.unshift({ at, kind, source, message });
    if (this.#entries.length > KEEP) this.#entries.length = KEEP;
  }

  list(filter: { kind?: ActivityEntry['kind'] | undefined; source?: string | undefined; limit: number }): ActivityEntry[] {
    return this.#entries
      .filter((e) => (filter.kind === undefined || e.kind === filter.kind) && (filter.source === undefined || e.source === filter.source))
      .slice(0, filter.limit);
  }

  /** Turns the differences between this status and the last one into entries; returns whether any were added. */
  observe(status: AgentStatus): boolean {
    const before = this.#entries.length;
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
    for (const alert of status.alerts) if (!this.#alerts.has(alert.code)) this.add('alert', alert.message, null, alert.since);
    for (const code of this.#alerts.keys()) if (!alerts.has(code)) this.add('alert', `Resolved: ${this.#alerts.get(code) ?? code}`);
    this.#alerts = alerts;
    const reachable = status.cloud.reachable;
    if (this.#primed && reachable !== this.#reachable && reachable !== null) {
      this.add('cloud', reachable ? 'The cloud is reachable again; queued changes are being sent.' : `The cloud cannot be reached: ${status.cloud.lastError?.message ?? 'no answer'}. Changes are kept safely and sent later.`);
    }
    this.#reachable = reachable;
    this.#primed = true;
    // The source keeps only its five newest notices: forget keys that can no longer come back.
    if (this.#seenNotices.size > 10_000) this.#seenNotices = new Set([...this.#seenNotices].slice(-5000));
    return this.#entries.length !== before;
  }
}
