import { z } from 'zod';
import {
  WritebackItemSchema,
  WritebackResultSchema,
  type CreateWritebackRequest,
  type WritebackItem,
  type WritebackResult,
} from '../agents/api/writeback.ts';
import {
  ClockResponseSchema,
  CountsSchema,
  DeprecationRequestSchema,
  EnrollmentKeyResponseSchema,
  LimitsSchema,
  QueueCommandResponseSchema,
  TunnelListResponseSchema,
  type TunnelListResponse,
  StoredAgentSchema,
  StoredBatchSchema,
  StoredFileSchema,
  StoredHeartbeatSchema,
  StoredRecordSchema,
  type ClockResponse,
  type Counts,
  type Deprecation,
  type EnrollmentKeyRequest,
  type EnrollmentKeyResponse,
  type FaultInput,
  type Limits,
  type RecordFilter,
  type RejectRuleInput,
  type StoredAgent,
  type StoredBatch,
  type StoredFile,
  type StoredHeartbeat,
  type StoredRecord,
} from './admin-schemas.ts';
import {
  CloudKeyResponseSchema,
  HistoryEntrySchema,
  LatestEntrySchema,
  SeqFloorsResponseSchema,
  SourceOwnerSchema,
  StoredAckSchema,
  StoredCommandSchema,
  type HandoverRequest,
  type HistoryEntry,
  type HistoryFilter,
  type LatestEntry,
  type SourceOwner,
  type StoredAck,
  type StoredCommand,
} from './inspection-schemas.ts';

/** The query string of a history filter; the key travels as JSON. */
function filterQuery(filter: HistoryFilter & { limit?: number }): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) {
    if (v !== undefined) query.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return query.size > 0 ? `?${query.toString()}` : '';
}

/** An admin call the sandbox refused (or a transport failure), with the sandbox's error code. */
export class SandboxAdminError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'SandboxAdminError';
    this.status = status;
    this.code = code;
  }
}

/** A typed client for the sandbox's `/admin` surface, used by tests and the demo. */
export class SandboxAdmin {
  readonly #base: string;

  constructor(url: string) {
    this.#base = url.replace(/\/+$/, '');
  }

  /**
   * A single-use enrollment key: a given key string, or options with the `entities` the enrolled
   * agent may send for (the sandbox's default entities when absent).
   */
  async createEnrollmentKey(keyOrOptions?: string | EnrollmentKeyRequest): Promise<EnrollmentKeyResponse> {
    const request = typeof keyOrOptions === 'string' ? { key: keyOrOptions } : (keyOrOptions ?? {});
    return EnrollmentKeyResponseSchema.parse(await this.#call('POST', '/admin/enrollment-keys', request));
  }

  /** Arms a fault on the cloud API; see FaultSchema for the fields. */
  async addFault(fault: FaultInput): Promise<{ id: string }> {
    return z.object({ id: z.string() }).parse(await this.#call('POST', '/admin/faults', fault));
  }

  async clearFaults(): Promise<void> {
    await this.#call('DELETE', '/admin/faults');
  }

  async counts(): Promise<Counts> {
    return CountsSchema.parse(await this.#call('GET', '/admin/counts'));
  }

  /**
   * Accepted records (each became its key's latest when it arrived), in arrival order, with data
   * exactly as received. Stale and unchanged records are in `history()`.
   */
  async records(filter: RecordFilter & { limit?: number } = {}): Promise<StoredRecord[]> {
    return z
      .object({ records: z.array(StoredRecordSchema) })
      .parse(await this.#call('GET', `/admin/records${filterQuery(filter)}`)).records;
  }

  /** Every record held per key (accepted, stale and unchanged alike), ordered by stream, key and seq. */
  async history(filter: HistoryFilter & { limit?: number } = {}): Promise<HistoryEntry[]> {
    return z
      .object({ history: z.array(HistoryEntrySchema) })
      .parse(await this.#call('GET', `/admin/history${filterQuery(filter)}`)).history;
  }

  /** Each key's latest record (its content, at the seq the key stands at now). */
  async latest(filter: HistoryFilter & { limit?: number } = {}): Promise<LatestEntry[]> {
    return z
      .object({ latest: z.array(LatestEntrySchema) })
      .parse(await this.#call('GET', `/admin/latest${filterQuery(filter)}`)).latest;
  }

  /** Floors (highest seq held) of an agent's entities, or of the entities named. */
  async seqFloors(of: { agentId: string } | { entities: string[] }): Promise<Record<string, number>> {
    const query = new URLSearchParams();
    if ('agentId' in of) query.set('agentId', of.agentId);
    else for (const entity of of.entities) query.append('entity', entity);
    return SeqFloorsResponseSchema.parse(await this.#call('GET', `/admin/seq-floors?${query.toString()}`)).seqFloors;
  }

  /** Which agent owns each (entity, source). */
  async sources(): Promise<SourceOwner[]> {
    return z.object({ sources: z.array(SourceOwnerSchema) }).parse(await this.#call('GET', '/admin/sources')).sources;
  }

  /** The operator approves a hand-over: the source belongs to `agentId` from now on (null: free). */
  async handover(request: HandoverRequest): Promise<void> {
    await this.#call('POST', '/admin/handover', request);
  }

  /** Command acks received (by heartbeat), oldest first. */
  async acks(agentId?: string): Promise<StoredAck[]> {
    const q = agentId === undefined ? '' : `?agentId=${encodeURIComponent(agentId)}`;
    return z.object({ acks: z.array(StoredAckSchema) }).parse(await this.#call('GET', `/admin/acks${q}`)).acks;
  }

  /** Commands queued, with when they were handed over. */
  async commands(agentId?: string): Promise<StoredCommand[]> {
    const q = agentId === undefined ? '' : `?agentId=${encodeURIComponent(agentId)}`;
    return z.object({ commands: z.array(StoredCommandSchema) }).parse(await this.#call('GET', `/admin/commands${q}`))
      .commands;
  }

  /** The cloud's Ed25519 public key (base64 DER SPKI) and its `sha256:` fingerprint. */
  async cloudKey(): Promise<{ cloudKey: string; fingerprint: string }> {
    return CloudKeyResponseSchema.parse(await this.#call('GET', '/admin/cloud-key'));
  }

  /** Creates a write-back item for an agent (and queues `writeback-available` for it). */
  async createWriteback(request: CreateWritebackRequest): Promise<WritebackItem> {
    return z.object({ item: WritebackItemSchema }).parse(await this.#call('POST', '/admin/writebacks', request)).item;
  }

  /** Every result the agent reported for its write-back items, in arrival order. */
  async writebackResults(agentId: string): Promise<WritebackResult[]> {
    return z
      .object({ results: z.array(WritebackResultSchema) })
      .parse(await this.#call('GET', `/admin/agents/${encodeURIComponent(agentId)}/writeback-results`)).results;
  }

  /** Puts a file the cloud holds for `entity` (a payment file an agent fetches with GET /v1/files). */
  async putFileForEntity(entity: string, bytes: Buffer, name?: string): Promise<string> {
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const query = new URLSearchParams({ entity, ...(name === undefined ? {} : { name }) });
    await this.#fetch('PUT', `/admin/files/${sha256}?${query.toString()}`, bytes);
    return sha256;
  }

  /** Batches, newest first. */
  async batches(): Promise<StoredBatch[]> {
    return z.object({ batches: z.array(StoredBatchSchema) }).parse(await this.#call('GET', '/admin/batches')).batches;
  }

  async heartbeats(): Promise<StoredHeartbeat[]> {
    return z.object({ heartbeats: z.array(StoredHeartbeatSchema) }).parse(await this.#call('GET', '/admin/heartbeats'))
      .heartbeats;
  }

  async agents(): Promise<StoredAgent[]> {
    return z.object({ agents: z.array(StoredAgentSchema) }).parse(await this.#call('GET', '/admin/agents')).agents;
  }

  async files(): Promise<StoredFile[]> {
    return z.object({ files: z.array(StoredFileSchema) }).parse(await this.#call('GET', '/admin/files')).files;
  }

  async fileContent(sha256: string, entity?: string): Promise<Buffer> {
    const q = entity === undefined ? '' : `?entity=${encodeURIComponent(entity)}`;
    const response = await this.#fetch('GET', `/admin/files/${sha256}${q}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /**
   * Queues a command for the agent's next heartbeat; returns the command id. `signature` `missing` or
   * `invalid` makes the cloud send it unsigned or wrongly signed (the agent must refuse it).
   */
  async queueCommand(
    agentId: string,
    name: string,
    args: Record<string, unknown> = {},
    signature: 'valid' | 'missing' | 'invalid' = 'valid',
  ): Promise<string> {
    return QueueCommandResponseSchema.parse(
      await this.#call('POST', '/admin/commands', { agentId, name, args, signature }),
    ).id;
  }

  /**
   * Queues a command: down the agent's open tunnel at once, otherwise with its next heartbeat;
   * `channels: 'both'` sends it on both (the agent must run it once).
   */
  async sendCommand(
    agentId: string,
    name: string,
    args: Record<string, unknown> = {},
    options: { signature?: 'valid' | 'missing' | 'invalid'; channels?: 'auto' | 'both' } = {},
  ): Promise<{ id: string; sentOnTunnel: boolean }> {
    return QueueCommandResponseSchema.parse(
      await this.#call('POST', '/admin/commands', { agentId, name, args, ...options }),
    );
  }

  /** Refuse WebSocket upgrades (dropping open tunnels), like a proxy that strips them; false lets them through. */
  async setRefuseUpgrades(refuseUpgrades: boolean): Promise<void> {
    await this.#call('POST', '/admin/tunnel', { refuseUpgrades });
  }

  /** The open tunnels, with each agent's last status message. */
  async tunnels(): Promise<TunnelListResponse> {
    return TunnelListResponseSchema.parse(await this.#call('GET', '/admin/tunnels'));
  }

  async revokeAgent(agentId: string): Promise<void> {
    await this.#call('POST', `/admin/agents/${encodeURIComponent(agentId)}/revoke`);
  }

  /** Shifts the sandbox's clock (token expiry, signature window, Date, the seq horizon) by `offsetMs`. */
  async setClockOffset(offsetMs: number): Promise<ClockResponse> {
    return ClockResponseSchema.parse(await this.#call('POST', '/admin/clock', { offsetMs }));
  }

  /** Shifts only the seq horizon (`seq_in_future`): a cloud whose seq clock is ahead or behind, signatures unaffected. */
  async setSeqClockOffset(seqOffsetMs: number): Promise<ClockResponse> {
    return ClockResponseSchema.parse(await this.#call('POST', '/admin/clock', { seqOffsetMs }));
  }

  async setLimits(limits: Partial<Limits>): Promise<Limits> {
    return LimitsSchema.parse(await this.#call('POST', '/admin/limits', limits));
  }

  /** Agents below this version get 426 upgrade_required; null lifts the minimum. */
  async setMinimumAgentVersion(version: string | null): Promise<void> {
    await this.#call('POST', '/admin/min-agent-version', { version });
  }

  /** From now on, records of `stream` whose key equals `key` are rejected with `code`. */
  async rejectRecords(rule: RejectRuleInput): Promise<void> {
    await this.#call('POST', '/admin/reject-rules', rule);
  }

  async clearRejectRules(): Promise<void> {
    await this.#call('DELETE', '/admin/reject-rules');
  }

  /** Raw `Deprecation` / `Sunset` header values every cloud response carries from now on; null removes one. */
  async setDeprecation(headers: Partial<Deprecation>): Promise<Deprecation> {
    return DeprecationRequestSchema.parse(await this.#call('POST', '/admin/deprecation', headers));
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.#fetch(method, path, body);
    return response.status === 204 ? undefined : await response.json();
  }

  async #fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : Buffer.isBuffer(body)
          ? { body }
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) {
      const text = await response.text();
      let code = 'http_error';
      let message = `${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = parsed.error?.code ?? code;
        message = `${method} ${path} answered ${response.status} ${code}: ${parsed.error?.message ?? ''}`;
      } catch {
        // not JSON: keep the raw text in the message
      }
      throw new SandboxAdminError(response.status, code, message);
    }
    return response;
  }
}
