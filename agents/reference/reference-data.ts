/**
 * Reference lists per entity (issue 13 item 3): `get` answers from the local cache (offline too),
 * `refresh` revalidates with the cloud by ETag, `lookup` finds one row by key through an in-memory
 * index built once per list version. Nothing here refreshes on its own: callers decide when.
 */
import type { ReferenceResult } from '../delivery/cloud-client.ts';
import type { Clock } from '../pipeline/clock.ts';
import type { CachedList, ReferenceRow, ReferenceStore } from './reference-store.ts';

/** The one cloud call this needs (CloudClient.getReference). */
export interface ReferenceFetcher {
  getReference(name: string, etag?: string, options?: { entity?: string; signal?: AbortSignal }): Promise<ReferenceResult>;
}

/** The lists a refresh without a name asks for (cloud-api.md § Reference data). */
export const STANDARD_REFERENCE_LISTS = ['currencies', 'countries', 'tax-codes', 'accounts', 'cost-centres', 'periods'] as const;

export type RefreshOutcome =
  | { entity: string; name: string; status: 'fetched' | 'not-modified'; list: CachedList }
  | {
      entity: string;
      name: string;
      status: 'failed';
      error: string;
      /** The copy still used, if any, and how old its last confirmation is (ms). */
      list: CachedList | undefined;
      staleMs: number | undefined;
    };

export class ReferenceData {
  readonly #store: ReferenceStore;
  readonly #fetcher: ReferenceFetcher | undefined;
  readonly #clock: Clock;
  /** Per `entity\u0000name`: the index for the etag/fetchedAt it was built from. */
  readonly #indexes = new Map<string, { version: string; field: string; rows: Map<string, ReferenceRow> }>();

  /** Without a fetcher the service is read-only (`reference list`, validation offline). */
  constructor(options: { store: ReferenceStore; fetcher?: ReferenceFetcher; clock: Clock }) {
    this.#store = options.store;
    this.#fetcher = options.fetcher;
    this.#clock = options.clock;
  }

  get(entity: string, name: string): CachedList | undefined {
    return this.#store.get(entity, name);
  }

  all(): CachedList[] {
    return this.#store.all();
  }

  /** 200 replaces the cached list, 304 keeps it and moves `checkedAt`, a failure keeps it and says how stale it is. */
  async refresh(entity: string, name: string, signal?: AbortSignal): Promise<RefreshOutcome> {
    if (this.#fetcher === undefined) throw new Error('ReferenceData was opened read-only: refresh needs a cloud client');
    const cached = this.#store.get(entity, name);
    let result: ReferenceResult;
    try {
      result = await this.#fetcher.getReference(name, cached?.etag, { entity, ...(signal === undefined ? {} : { signal }) });
    } catch (error) {
      const now = this.#clock.now();
      const message = error instanceof Error ? error.message : String(error);
      this.#store.noteFailure(entity, name, message, now);
      const list = this.#store.get(entity, name);
      return { entity, name, status: 'failed', error: message, list, staleMs: list === undefined ? undefined : now - list.checkedAt };
    }
    const now = this.#clock.now();
    if (result.notModified) {
      if (cached === undefined) {
        // A 304 to a request without If-None-Match would be a cloud bug; say so rather than invent a list.
        return { entity, name, status: 'failed', error: 'the cloud answered 304 Not Modified with nothing cached', list: undefined, staleMs: undefined };
      }
      this.#store.confirm(entity, name, now);
      return { entity, name, status: 'not-modified', list: this.#store.get(entity, name)! };
    }
    this.#store.replace(entity, name, result.list.items, result.etag, now);
    return { entity, name, status: 'fetched', list: this.#store.get(entity, name)! };
  }

  /** The row whose `field` (default `code`) equals `key`, from the cached list; undefined when absent or not cached. */
  lookup(entity: string, name: string, key: string, field = 'code'): ReferenceRow | undefined {
    // The version check is one indexed read; the items are parsed and indexed only when the list changed
    // (here or by a `reference refresh` from another process).
    const version = this.#store.version(entity, name);
    if (version === undefined) return undefined;
    const id = `${entity}\u0000${name}`;
    let index = this.#indexes.get(id);
    if (index === undefined || index.version !== version || index.field !== field) {
      const items = this.#store.get(entity, name)?.items ?? [];
      index = { version, field, rows: new Map(items.flatMap((row) => (row[field] === undefined ? [] : [[row[field], row] as const]))) };
      this.#indexes.set(id, index);
    }
    return index.rows.get(key);
  }

  close(): void {
    this.#store.close();
  }
}
