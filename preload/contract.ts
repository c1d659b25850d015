/**
 * The one window API contract (GitHub Desktop's ipc-shared.ts): channel → args → result. main/ipc
 * implements it, preload/index.ts exposes it as named methods, renderer/api calls it. Results are
 * `{ok: true, value} | {ok: false, error}` (Signal's wrapResult) so failures cross the bridge as data.
 */
import type { AgentStatus } from '../agents/api/index.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export interface WindowApi {
  getStatus(): Promise<Result<AgentStatus>>;
  syncNow(source?: string): Promise<Result<null>>;
}

export const IPC_CHANNELS = {
  getStatus: 'agent:get-status',
  syncNow: 'agent:sync-now',
} as const satisfies Record<keyof WindowApi, string>;
