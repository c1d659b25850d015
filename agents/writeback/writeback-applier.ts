/**
 * Applies the cloud's write-back items (cloud-api.md § Write-back): fetch and verify, then per key in
 * seq order and at most once: read the premises record, decide by the target's policy, record the
 * intent durably, write, record the outcome, report. An intent found without an outcome after a
 * crash is reported `pending` (`outcome_unknown`) and never written again without a person.
 */
import { canonicalJson } from '../api/canonical-json.ts';
import type { AgentConfig, JsonValue } from '../api/index.ts';
import type { WritebackItem, WritebackResult } from '../api/writeback.ts';
import type { WritebackTarget } from '../api/writeback-config.ts';
import type { AuditActor } from '../outbox/audit-actor.ts';
import type { AuditEventInput } from '../outbox/audit-log.ts';
import type { CloudClient } from '../delivery/cloud-client.ts';
import { CloudSignatureVerifier } from '../delivery/cloud-signature.ts';
import { recordVersion } from '../outbox/record-version.ts';
import { faultPoint } from '../pipeline/fault-points.ts';
import type { SecretResolver } from '../pipeline/source.ts';
import { decide, describeChoice, fieldText, resolveByPerson, type Fields, type Premises } from './conflict-policy.ts';
import { writeItemFile } from './folder-target.ts';
import { connectSource, odbcSource, readRow, writeStagingRow } from './odbc-target.ts';
import type { StoredItem, WritebackState } from './writeback-state.ts';

const PAGE = 100;

export interface ApplierDeps {
  config(): AgentConfig;
  state: WritebackState;
  secrets: SecretResolver;
  cloudKey(): string | undefined;
  audit(entry: AuditEventInput, actor?: AuditActor): void;
  alert(code: string, message: string): void;
  nowIso(): string;
}

/** Who decided, for the audit log: the dashboard's session or socket, else the CLI. */
function actorOf(decision: { actor?: string }): AuditActor {
  return (decision.actor ?? 'cli') as AuditActor;
}

export function keyJsonOf(key: Record<string, unknown>): string {
  return canonicalJson(key as JsonValue);
}

export class WritebackApplier {
  readonly #deps: ApplierDeps;

  constructor(deps: ApplierDeps) {
    this.#deps = deps;
  }

  #targets(): WritebackTarget[] {
    return this.#deps.config().writeback?.targets ?? [];
  }

  /** Fetches new items after the stored cursor; a wrongly signed item is refused (reported failed). */
  async fetch(client: CloudClient): Promise<number> {
    const { state } = this.#deps;
    const key = this.#deps.cloudKey();
    const verifier = key === undefined ? undefined : new CloudSignatureVerifier(key);
    let received = 0;
    for (;;) {
      const page = await client.getWritebacks(state.cursor(), PAGE);
      for (const item of page.items) {
        const keyJson = keyJsonOf(item.key);
        if (!state.receive(item, keyJson, this.#deps.nowIso())) continue;
        received += 1;
        const check = verifier === undefined
          ? { ok: false as const, code: 'cloud_key_missing', message: 'This agent has no cloud key from enrollment; enroll it again.' }
          : verifier.check(item, `Write-back item ${item.id}`);
        if (!check.ok) {
          this.#deps.alert('writeback_bad_signature', check.message);
          state.recordOutcome({ id: item.id, target: item.target, keyJson, seq: item.seq }, 'failed', {
            id: item.id,
            status: 'failed',
            resolution: check.code,
            message: check.message,
          });
        }
      }
      state.setCursor(page.cursor);
      if (page.items.length < PAGE) return received;
    }
  }

  /** After a crash: an intent without an outcome becomes `pending` / `outcome_unknown` for a person. */
  recoverInterrupted(): number {
    const interrupted = this.#deps.state.interrupted();
    for (const stored of interrupted) {
      this.#deps.state.recordOutcome(stored, 'outcome-unknown', {
        id: stored.id,
        status: 'pending',
        resolution: 'outcome_unknown',
        message:
          'The agent stopped between recording its intent and recording the outcome; check the target and run ' +
          `"tya-agent writeback confirm ${stored.id} --applied" or "--not-applied".`,
      });
      this.#deps.audit({ event: 'writeback-conflict', subject: stored.id, details: { target: stored.target, outcome: 'outcome_unknown' } });
    }
    return interrupted.length;
  }

  /** People's decisions first (they may unblock a key), then every waiting item, per key in seq order. */
  async applyAll(): Promise<void> {
    for (const decision of this.#deps.state.decisions()) {
      const stored = this.#deps.state.get(decision.id);
      if (stored === undefined) {
        this.#deps.state.dropDecision(decision.id);
        continue;
      }
      if (decision.kind === 'confirm' && stored.state === 'outcome-unknown') {
        if (decision.applied) {
          this.#deps.state.recordOutcome(stored, 'applied', { id: stored.id, status: 'applied', resolution: 'confirmed applied by a person' });
        } else {
          this.#deps.state.reopen(stored.id);
        }
        this.#deps.audit({ event: 'writeback-resolved', subject: stored.id, details: { confirmed: decision.applied ? 'applied' : 'not-applied' } }, actorOf(decision));
      } else if (decision.kind === 'resolve' && stored.state === 'conflict-waiting') {
        const target = this.#targets().find((t) => t.name === stored.target);
        if (target !== undefined) {
          const premises = await this.#premises(target, stored.item);
          const fields = resolveByPerson(stored.item, premises, decision.choice);
          const resolution = `manual: ${describeChoice(decision.choice)}`;
          await this.#write(target, stored, fields, premises, resolution);
          this.#deps.audit({ event: 'writeback-resolved', subject: stored.id, details: { target: target.name, resolution } }, actorOf(decision));
        }
      }
      this.#deps.state.dropDecision(decision.id);
    }
    const blocked = new Set<string>();
    for (const stored of this.#deps.state.all()) {
      // An earlier item of the key waiting for a person holds the later ones: order per key is kept.
      if (stored.state === 'conflict-waiting' || stored.state === 'outcome-unknown') blocked.add(`${stored.target}\n${stored.keyJson}`);
    }
    for (const stored of this.#deps.state.toApply()) {
      if (blocked.has(`${stored.target}\n${stored.keyJson}`)) continue;
      await this.#applyOne(stored).catch((error: unknown) => {
        blocked.add(`${stored.target}\n${stored.keyJson}`);
        this.#deps.alert('writeback_failed', `Write-back item ${stored.id} for target "${stored.target}" could not be applied yet: ${(error as Error).message}`);
      });
    }
  }

  async #applyOne(stored: StoredItem): Promise<void> {
    const { state } = this.#deps;
    const item = stored.item;
    const target = this.#targets().find((t) => t.name === item.target);
    if (target === undefined) {
      state.recordOutcome(stored, 'failed', {
        id: item.id,
        status: 'failed',
        resolution: 'unknown_target',
        message: `No write-back target named "${item.target}" in the agent's config (writeback.targets).`,
      });
      return;
    }
    if (item.op === 'delete' && target.type === 'odbc' && target.opColumn === undefined) {
      state.recordOutcome(stored, 'failed', {
        id: item.id,
        status: 'failed',
        resolution: 'delete_unsupported',
        message: `Write-back target "${target.name}" (staging table ${target.table}) has no opColumn, so a delete cannot be told from a new row; nothing was written. Add "opColumn" to the target and have the ERP's importer read it.`,
      });
      return;
    }
    if (item.seq <= state.appliedSeq(stored.target, stored.keyJson)) {
      state.recordOutcome(stored, 'failed', { id: item.id, status: 'failed', resolution: 'superseded', message: 'A newer change of this record was applied already.' });
      return;
    }
    const premises = await this.#premises(target, item);
    const decision = decide(target, item, premises);
    const current = premises === null ? {} : premises.data;
    if (decision.kind === 'hold') {
      state.holdConflict({ id: item.id, premises: current, premisesVersion: premises?.version ?? '', fields: decision.conflicted });
      state.recordOutcome(stored, 'conflict-waiting', {
        id: item.id,
        status: 'pending',
        resolution: 'manual',
        message: `Held for a person: ${decision.conflicted.join(', ') || 'the record changed on premises'}.`,
        current,
        ...(premises === null ? {} : { version: premises.version }),
      });
      this.#deps.audit({ event: 'writeback-conflict', subject: item.id, details: { target: target.name, fields: decision.conflicted.join(','), policy: 'manual' } });
      return;
    }
    if (decision.kind === 'keep') {
      state.recordOutcome(stored, 'skipped', {
        id: item.id,
        status: 'conflict',
        resolution: decision.resolution,
        message: `The premises record was kept; conflicting fields: ${decision.conflicted.join(', ') || 'none'}.`,
        current,
        ...(premises === null ? {} : { version: premises.version }),
      });
      this.#deps.audit({ event: 'writeback-conflict', subject: item.id, details: { target: target.name, fields: decision.conflicted.join(','), resolution: decision.resolution } });
      return;
    }
    if (decision.resolution !== 'no-conflict') {
      this.#deps.audit({ event: 'writeback-conflict', subject: item.id, details: { target: target.name, fields: decision.conflicted.join(','), resolution: decision.resolution } });
    }
    await this.#write(target, stored, decision.fields, premises, decision.resolution);
  }

  /** Intent, write, outcome: the order that makes a crash anywhere visible and never doubles a write. */
  async #write(target: WritebackTarget, stored: StoredItem, fields: Fields, premises: Premises | null, resolution: string): Promise<void> {
    const { state } = this.#deps;
    state.recordIntent(stored.id);
    faultPoint('writeback.after-intent');
    if (target.type === 'folder') {
      writeItemFile(target, stored.item, fields, () => faultPoint('writeback.before-commit'));
    } else if (target.type === 'rabbitmq') {
      // Lazy: only an agent with a RabbitMQ target loads amqplib.
      const { publishItem } = await import('./rabbitmq-target.ts');
      await publishItem(target, stored.item, fields, this.#deps.secrets, () => faultPoint('writeback.before-commit'));
    } else {
      const source = odbcSource(this.#deps.config(), target.source, `Write-back target "${target.name}"`);
      const connection = await connectSource(source, this.#deps.secrets);
      try {
        await writeStagingRow(connection, target, stored.id, fields, () => faultPoint('writeback.before-commit'), stored.item.op);
      } finally {
        await connection.close().catch(() => undefined);
      }
    }
    faultPoint('writeback.after-write');
    state.recordOutcome(
      stored,
      'applied',
      { id: stored.id, status: 'applied', resolution, ...(premises === null ? {} : { version: premises.version }) },
      { written: fields, before: premises?.data ?? null },
    );
    this.#deps.audit({ event: 'writeback-applied', subject: stored.id, details: { target: target.name, resolution } });
  }

  /** The readBack stream's current row for the item's key, and its version as capture computes it. */
  async #premises(target: WritebackTarget, item: WritebackItem): Promise<Premises | null> {
    const readBack = target.readBack;
    if (readBack === undefined) return null;
    const config = this.#deps.config();
    const source = odbcSource(config, readBack.source, `Write-back target "${target.name}" readBack`);
    const stream = source.streams.find((s) => s.name === readBack.stream);
    if (stream === undefined) {
      throw new Error(`Write-back target "${target.name}": source "${source.name}" has no stream "${readBack.stream}" (readBack.stream).`);
    }
    const key: Record<string, unknown> = {};
    for (const column of readBack.key) key[column] = item.key[column];
    const connection = await connectSource(source, this.#deps.secrets);
    try {
      const data = await readRow(connection, source, stream.table, key);
      if (data === null) return null;
      const recordKey = Object.fromEntries(readBack.key.map((k) => [k, fieldText(data[k]) ?? '']));
      return { data, version: recordVersion({ key: recordKey, op: 'upsert', data }) };
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Reports every decided result not yet acknowledged; a 409 means the cloud holds another final one. */
  async report(client: CloudClient): Promise<number> {
    let sent = 0;
    for (const stored of this.#deps.state.unreported()) {
      const result = stored.result as WritebackResult;
      try {
        await client.postWritebackResult(result);
      } catch (error) {
        if ((error as { code?: string }).code !== 'result_conflict') throw error;
        this.#deps.alert('writeback_result_conflict', `The cloud already holds another final result for write-back item ${stored.id}.`);
      }
      this.#deps.state.markReported(stored.id, result);
      sent += 1;
    }
    return sent;
  }

  /**
   * True when a captured row is write-back's own change coming back: its fields equal what was
   * written, and the fields write-back did not write are as they were before.
   */
  isEcho(source: string, stream: string, keyJson: string, data: Record<string, unknown>): boolean {
    for (const target of this.#targets()) {
      if (target.readBack?.source !== source || target.readBack.stream !== stream) continue;
      const memory = this.#deps.state.written(target.name, keyJson) as { written: Fields; before: Fields | null } | undefined;
      if (memory === undefined) continue;
      const captured: Fields = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, fieldText(v)]));
      const writtenSame = Object.entries(memory.written).every(([f, v]) => captured[f] === v);
      const restSame = Object.entries(memory.before ?? {}).every(([f, v]) => f in memory.written || captured[f] === v);
      if (writtenSame && restSame) return true;
    }
    return false;
  }
}
