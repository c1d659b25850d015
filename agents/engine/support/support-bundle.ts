/**
 * The support bundle (issue 16 item 5): what a person at the vendor needs to see why an agent
 * misbehaves, in one zip, without anything that would let them (or whoever the mail is forwarded
 * to) into the books: the config as loaded, `status` with schedules and alerts, the doctor's
 * findings, the queue's figures and the newest part of the log. No record data, and of a webhook's
 * URL only its origin. Every file is
 * scrubbed of every secret the keychain holds for this agent, in every form a secret takes in text,
 * after the logs' own redaction: a secret that slipped into an error message still does not leave.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import type { AgentConfig, AgentStatus } from '../../api/index.ts';
import { writeZip } from '../../formats/zip/write-zip.ts';
import { redactValues, SecretRefs, type SecretStore } from '../../vault/index.ts';
import type { DataDirLayout } from '../data-dir.ts';
import { AGENT_VERSION } from '../version.ts';
import { logTailFiles } from './log-tail.ts';

/** The newest part of the log that goes in: enough for days of a quiet agent, bounded for mail. */
export const LOG_TAIL_BYTES = 5 * 1024 * 1024;

/** The `source` a bundle is filed under in the cloud (it comes from no data source). */
export const SUPPORT_BUNDLE_SOURCE = 'agent-diagnostics';

export interface SupportBundleInput {
  layout: DataDirLayout;
  configFile: string;
  config: AgentConfig;
  status: AgentStatus;
  secrets: SecretStore;
  /** `tya-agent doctor`'s report, when the caller can run it. */
  doctorReport?: string;
  now: Date;
}

export interface SupportBundle {
  fileName: string;
  zip: Buffer;
  files: string[];
}

export async function buildSupportBundle(input: SupportBundleInput): Promise<SupportBundle> {
  const secretValues = await secretsToScrub(input.config, input.secrets);
  const stamp = input.now.toISOString().replace(/[:.]/g, '-');
  const files: Array<{ name: string; text: string }> = [
    { name: 'manifest.json', text: json(manifest(input)) },
    { name: 'config.json', text: json({ file: input.configFile, config: withoutWebhookPath(input.config) }) },
    { name: 'status.json', text: json(input.status) },
    { name: 'schedules.json', text: json(input.status.sources.map((s) => ({ source: s.name, schedule: s.schedule ?? null }))) },
    { name: 'queue.json', text: json({ queue: input.status.queue, outboxFileBytes: fileSize(input.layout.outbox) }) },
    ...(input.doctorReport === undefined ? [] : [{ name: 'doctor.txt', text: input.doctorReport }]),
    ...logTailFiles(input.layout.logFile, LOG_TAIL_BYTES).map((part) => ({ name: `logs/${part.name}`, text: part.text })),
  ];
  const entries = files.map((file) => ({ name: file.name, data: Buffer.from(redactValues(file.text, secretValues), 'utf8') }));
  return {
    fileName: `tya-support-${slug(input.config.agent.name)}-${stamp}.zip`,
    zip: writeZip(entries, { compress: true, modified: input.now }),
    files: entries.map((e) => e.name),
  };
}

/**
 * A webhook's path is often its receiver's token (chat and paging services put it there), and the
 * config holds it as a plain URL: the bundle keeps only where it points.
 */
function withoutWebhookPath(config: AgentConfig): AgentConfig {
  const webhook = config.notify?.webhook;
  if (config.notify === undefined || webhook?.url === undefined) return config;
  const url = `${new URL(webhook.url).origin}/… (path and query withheld: they may hold the receiver's token)`;
  return { ...config, notify: { ...config.notify, webhook: { ...webhook, url } } };
}

/** Every secret this installation keeps: its own credentials and every `secretRef` in the config. */
async function secretsToScrub(config: AgentConfig, store: SecretStore): Promise<string[]> {
  const refs = new Set<string>([SecretRefs.clientSecret, SecretRefs.signingSecret, SecretRefs.previousSigningSecret]);
  collectSecretRefs(config, refs);
  const values: string[] = [];
  for (const ref of refs) {
    const value = await store.get(ref).catch(() => undefined);
    if (value !== undefined) values.push(value);
  }
  return values;
}

function collectSecretRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) collectSecretRefs(item, into);
  else if (value !== null && typeof value === 'object') {
    const ref = (value as { secretRef?: unknown }).secretRef;
    if (typeof ref === 'string') into.add(ref);
    for (const item of Object.values(value)) collectSecretRefs(item, into);
  }
}

function manifest(input: SupportBundleInput) {
  return {
    createdAt: input.now.toISOString(),
    agent: { name: input.config.agent.name, version: AGENT_VERSION, running: input.status.agent.running },
    runtime: { node: process.versions.node, platform: process.platform, arch: process.arch, release: os.release() },
    dataDir: input.layout.root,
    includesRecordData: false,
    note: 'Secrets held in the keychain for this agent were removed from every file ([REDACTED]).',
  };
}

function fileSize(file: string): number | null {
  return existsSync(file) ? statSync(file).size : null;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'agent';
}
