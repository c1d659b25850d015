/**
 * One AMQP message → one record, or the reason it is poison. Pure: the source decides what to do
 * with poison (dead-letter exchange or reject) so this stays testable without a broker.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, SourceRecord } from '../../api/index.ts';
import type { RabbitmqSourceConfig } from '../../api/index.ts';

export interface IncomingMessage {
  content: Buffer;
  messageId?: string | undefined;
  headers?: Record<string, unknown> | undefined;
  /** AMQP timestamp property: seconds since the epoch. */
  timestamp?: number | undefined;
}

export type Mapped = { ok: true; id: string; record: SourceRecord } | { ok: false; id: string; reason: string };

/** The message's id: message-id, else the configured header, else sha256 of the body (identical bodies are one message). */
export function messageIdOf(message: IncomingMessage, idHeader: string | undefined): string {
  if (message.messageId !== undefined && message.messageId !== '') return message.messageId;
  const fromHeader = idHeader === undefined ? undefined : message.headers?.[idHeader];
  if (typeof fromHeader === 'string' && fromHeader !== '') return fromHeader;
  if (typeof fromHeader === 'number') return String(fromHeader);
  return `sha256:${createHash('sha256').update(message.content).digest('hex')}`;
}

export function mapMessage(config: RabbitmqSourceConfig, message: IncomingMessage, nowIso: string): Mapped {
  const id = messageIdOf(message, config.idHeader);
  if (message.content.length > config.maxMessageBytes) {
    return { ok: false, id, reason: `body of ${message.content.length} bytes is above maxMessageBytes ${config.maxMessageBytes}` };
  }
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return { ok: false, id, reason: 'body is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, id, reason: 'body is not a JSON object' };
  }
  const data = body as JsonObject;
  const key: Record<string, string> = {};
  for (const field of config.key) {
    const value = data[field];
    if (typeof value !== 'string' && typeof value !== 'number') {
      return { ok: false, id, reason: `key field "${field}" is missing or not a string/number` };
    }
    key[field] = String(value);
  }
  const isDelete = config.deleteField !== undefined && data[config.deleteField] === true;
  const capturedAt =
    typeof message.timestamp === 'number' && message.timestamp > 0 ? new Date(message.timestamp * 1000).toISOString() : nowIso;
  const record: SourceRecord = isDelete
    ? { stream: config.stream, key, op: 'delete', capturedAt }
    : { stream: config.stream, key, op: 'upsert', data, capturedAt };
  return { ok: true, id, record };
}
