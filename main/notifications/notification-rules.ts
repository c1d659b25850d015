/**
 * Which desktop notifications a status change deserves (issue 11): a shift close uploaded, a file
 * rejected, the cloud offline for longer than N minutes, dead letters waiting, and any new critical
 * alert (a source failing, a read stuck, the queue full, the agent revoked), which otherwise only
 * turned the tray icon red for whoever looked at it. An anti-storm rule
 * keeps a bad hour from burying the bookkeeper: the same kind is not repeated within its cooldown,
 * and at most `maxPerWindow` notifications show per window; the rest fold into one summary.
 */
import type { AgentStatus } from '../../agents/api/index.ts';

export type NotificationKind = 'shift-uploaded' | 'file-rejected' | 'offline' | 'dead-letters' | 'needs-attention' | 'summary';

export interface DesktopNotification {
  kind: NotificationKind;
  title: string;
  body: string;
}

export interface NotificationPolicy {
  offlineAfterMs: number;
  /** The same kind is not shown again within this time (summaries excepted). */
  cooldownMs: number;
  windowMs: number;
  maxPerWindow: number;
}

export const DEFAULT_POLICY: NotificationPolicy = { offlineAfterMs: 10 * 60_000, cooldownMs: 5 * 60_000, windowMs: 60_000, maxPerWindow: 3 };

const SHIFT_UPLOADED = /^Z-\S+ .*uploaded\.?$/;
const FILE_REJECTED = /rejected|not imported|quarantin/i;

export class NotificationRules {
  readonly #policy: NotificationPolicy;
  #seenNotices = new Set<string>();
  #seenAlerts = new Set<string>();
  #offlineSince: number | null = null;
  #offlineNotified = false;
  #deadLetters = 0;
  #primed = false;
  readonly #lastShown = new Map<NotificationKind, number>();
  #shownAt: number[] = [];
  #suppressed = 0;

  constructor(policy: NotificationPolicy = DEFAULT_POLICY) {
    this.#policy = policy;
  }

  /** What to show now for this status (called on every status update, with the current time). */
  update(status: AgentStatus | null, nowMs: number): DesktopNotification[] {
    const candidates = status === null ? [] : this.#candidates(status, nowMs);
    return this.#throttle(candidates, nowMs);
  }

  #candidates(status: AgentStatus, nowMs: number): DesktopNotification[] {
    const found: DesktopNotification[] = [];
    const first = !this.#primed;
    for (const source of status.sources) {
      for (const notice of source.notices ?? []) {
        const key = `${source.name}|${notice.at}|${notice.message}`;
        if (this.#seenNotices.has(key)) continue;
        this.#seenNotices.add(key);
        if (first) continue;
        if (SHIFT_UPLOADED.test(notice.message)) found.push({ kind: 'shift-uploaded', title: 'Shift close uploaded', body: notice.message });
        else if (FILE_REJECTED.test(notice.message)) found.push({ kind: 'file-rejected', title: 'File rejected', body: notice.message });
      }
    }
    for (const alert of status.alerts) {
      if (this.#seenAlerts.has(alert.code)) continue;
      this.#seenAlerts.add(alert.code);
      if (first) continue;
      if (alert.code.startsWith('file_quarantined:')) found.push({ kind: 'file-rejected', title: 'File rejected', body: alert.message });
      else if (alert.severity === 'critical') found.push({ kind: 'needs-attention', title: 'Needs attention', body: alert.message });
    }
    this.#seenAlerts = new Set([...this.#seenAlerts].filter((code) => status.alerts.some((a) => a.code === code)));
    if (status.cloud.reachable === false) {
      this.#offlineSince ??= nowMs;
      if (!this.#offlineNotified && nowMs - this.#offlineSince >= this.#policy.offlineAfterMs) {
        this.#offlineNotified = true;
        const minutes = Math.round((nowMs - this.#offlineSince) / 60_000);
        found.push({ kind: 'offline', title: 'Cannot reach the cloud', body: `Offline for ${minutes} minutes; ${status.queue.depth} changes are waiting safely.` });
      }
    } else if (status.cloud.reachable === true) {
      this.#offlineSince = null;
      this.#offlineNotified = false;
    }
    const dead = status.queue.deadLetters;
    if (!first && dead > this.#deadLetters) {
      found.push({ kind: 'dead-letters', title: 'Changes need your attention', body: `${dead} changes were refused by the cloud. Open the queue to send them again or discard them.` });
    }
    this.#deadLetters = dead;
    this.#primed = true;
    if (this.#seenNotices.size > 5000) this.#seenNotices = new Set([...this.#seenNotices].slice(-1000));
    return found;
  }

  #throttle(candidates: DesktopNotification[], nowMs: number): DesktopNotification[] {
    this.#shownAt = this.#shownAt.filter((t) => nowMs - t < this.#policy.windowMs);
    const shown: DesktopNotification[] = [];
    for (const candidate of candidates) {
      const last = this.#lastShown.get(candidate.kind);
      const cooling = last !== undefined && nowMs - last < this.#policy.cooldownMs;
      if (cooling || this.#shownAt.length >= this.#policy.maxPerWindow) {
        this.#suppressed += 1;
        continue;
      }
      this.#lastShown.set(candidate.kind, nowMs);
      this.#shownAt.push(nowMs);
      shown.push(candidate);
    }
    // Once the window has room again, say how much was held back, once.
    if (this.#suppressed > 0 && this.#shownAt.length < this.#policy.maxPerWindow && candidates.length === 0) {
      shown.push({ kind: 'summary', title: 'More happened', body: `${this.#suppressed} more notifications were held back. Open the dashboard to see the activity.` });
      this.#shownAt.push(nowMs);
      this.#suppressed = 0;
    }
    return shown;
  }
}
