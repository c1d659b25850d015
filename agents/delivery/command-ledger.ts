/**
 * Which cloud command ids this agent already executed (cloud-api.md: "a command id is executed at
 * most once, even if it arrives on both channels"). Kept in the outbox's state table so the promise
 * survives restarts; the heartbeat and the WebSocket tunnel share one ledger.
 */
import type { EnrollmentStateStore } from './enrollment.ts';

const STATE_KEY = 'commands.executed';
/** Ids older than the newest this many are forgotten: the cloud does not resend a command for days. */
const REMEMBERED = 1000;

export class CommandLedger {
  readonly #state: EnrollmentStateStore;
  #ids: string[];

  constructor(state: EnrollmentStateStore) {
    this.#state = state;
    this.#ids = parseIds(state.getState(STATE_KEY));
  }

  has(id: string): boolean {
    return this.#ids.includes(id);
  }

  /**
   * Records `id` as executed and returns true, or returns false when it already was. Called BEFORE
   * running the command: a crash mid-command then means "not run again" (at most once), never twice.
   */
  claim(id: string): boolean {
    if (this.has(id)) return false;
    this.#ids = [...this.#ids, id].slice(-REMEMBERED);
    this.#state.setState(STATE_KEY, JSON.stringify(this.#ids));
    return true;
  }
}

function parseIds(raw: string | null | undefined): string[] {
  if (raw === null || raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
