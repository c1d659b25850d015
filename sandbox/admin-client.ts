import { z } from 'zod';
import type { CloudCommandName } from '../agents/api/cloud.ts';
import {
  CountsSchema,
  DeprecationRequestSchema,
  EnrollmentKeyResponseSchema,
  LimitsSchema,
  QueueCommandResponseSchema,
  StoredAgentSchema,
  StoredBatchSchema,
  StoredFileSchema,
  StoredHeartbeatSchema,
  StoredRecordSchema,
  type Counts,
  type Deprecation,
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

  async createEnrollmentKey(key?: string): Promise<EnrollmentKeyResponse> {
    return EnrollmentKeyResponseSchema.parse(
      await this.#call('POST', '/admin/enrollment-keys', key === undefined ? {} : { key }),
    );
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

  /** Applied records, oldest first, with data exactly as received. */
  async records(filter: RecordFilter & { limit?: number } = {}): Promise<StoredRecord[]> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) query.set(k, String(v));
    const q = query.size > 0 ? `?${query.toString()}` : '';
    return z.object({ records: z.array(StoredRecordSchema) }).parse(await this.#call('GET', `/admin/records${q}`))
      .records;
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

  async fileContent(sha256: string): Promise<Buffer> {
    const response = await this.#fetch('GET', `/admin/files/${sha256}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /** Queues a command for the agent's next heartbeat; returns the command id. */
  async queueCommand(agentId: string, name: CloudCommandName, args: Record<string, unknown> = {}): Promise<string> {
    return QueueCommandResponseSchema.parse(await this.#call('POST', '/admin/commands', { agentId, name, args })).id;
  }

  async revokeAgent(agentId: string): Promise<void> {
    await this.#call('POST', `/admin/agents/${encodeURIComponent(agentId)}/revoke`);
  }

  /** Shifts the sandbox's clock (token expiry, signature window) by `offsetMs`. */
  async setClockOffset(offsetMs: number): Promise<void> {
    await this.#call('POST', '/admin/clock', { offsetMs });
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
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
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
