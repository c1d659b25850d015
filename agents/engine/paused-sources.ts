/**
 * Which sources are paused, kept in the outbox's agent_state so a pause (a person's, or a quarantine
 * spike's) outlives a restart of the agent or the service: it ends only when someone resumes the source.
 */
interface StateStore {
  getState(key: string): string | undefined;
  setState(key: string, value: string): void;
  deleteState(key: string): void;
}

const KEY = 'source-paused:';

export class PausedSources {
  readonly #state: () => StateStore;
  readonly #now: () => number;

  /** `state` is asked each time: the agent opens its outbox after building its parts. */
  constructor(state: () => StateStore, now: () => number) {
    this.#state = state;
    this.#now = now;
  }

  has(source: string): boolean {
    return this.#state().getState(`${KEY}${source}`) !== undefined;
  }

  set(source: string, paused: boolean): void {
    if (paused) this.#state().setState(`${KEY}${source}`, new Date(this.#now()).toISOString());
    else this.#state().deleteState(`${KEY}${source}`);
  }
}
