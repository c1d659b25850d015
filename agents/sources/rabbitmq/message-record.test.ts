/** Message → record without a broker: ids, key, op, capturedAt, poison reasons, and the config's password guard. */
import { describe, expect, it } from 'vitest';
import { RabbitmqSourceSchema } from '../../api/index.ts';
import { mapMessage, messageIdOf } from './message-record.ts';
import { SeenIds } from './seen-ids.ts';

const config = RabbitmqSourceSchema.parse({
  type: 'rabbitmq',
  name: 'mq',
  url: 'amqp://tya@127.0.0.1:5672',
  queue: 'q',
  stream: 'receipts',
  key: ['store', 'receipt_id'],
  deleteField: 'deleted',
  idHeader: 'x-id',
  maxMessageBytes: 100,
});
const now = '2026-12-06T15:00:00.000Z';
const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('RabbitMQ message → record', () => {
  it('keys, upserts and takes capturedAt from the AMQP timestamp', () => {
    const mapped = mapMessage(config, { content: body({ store: 'w1', receipt_id: 7, total: '1.50' }), messageId: 'a', timestamp: 1_700_000_000 }, now);
    expect(mapped).toEqual({
      ok: true,
      id: 'a',
      record: { stream: 'receipts', key: { store: 'w1', receipt_id: '7' }, op: 'upsert', data: { store: 'w1', receipt_id: 7, total: '1.50' }, capturedAt: '2023-11-14T22:13:20.000Z' },
    });
  });

  it('makes a delete from the delete field, and uses now without a timestamp', () => {
    const mapped = mapMessage(config, { content: body({ store: 'w1', receipt_id: 7, deleted: true }), messageId: 'b' }, now);
    expect(mapped.ok && mapped.record).toEqual({ stream: 'receipts', key: { store: 'w1', receipt_id: '7' }, op: 'delete', capturedAt: now });
  });

  it('calls non-JSON, non-objects, a missing key field and oversized bodies poison', () => {
    const reasons = [
      mapMessage(config, { content: Buffer.from('nope') }, now),
      mapMessage(config, { content: body([1]) }, now),
      mapMessage(config, { content: body({ store: 'w1' }) }, now),
      mapMessage(config, { content: body({ store: 'w1', receipt_id: 1, pad: 'x'.repeat(100) }) }, now),
    ].map((m) => (m.ok ? 'ok' : m.reason));
    expect(reasons).toEqual([
      'body is not JSON',
      'body is not a JSON object',
      'key field "receipt_id" is missing or not a string/number',
      'body of 138 bytes is above maxMessageBytes 100',
    ]);
  });

  it('takes the id from message-id, else the configured header, else the body hash', () => {
    const content = body({ a: 1 });
    expect(messageIdOf({ content, messageId: 'm', headers: { 'x-id': 'h' } }, 'x-id')).toBe('m');
    expect(messageIdOf({ content, headers: { 'x-id': 'h' } }, 'x-id')).toBe('h');
    expect(messageIdOf({ content }, 'x-id')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(messageIdOf({ content }, undefined)).toBe(messageIdOf({ content: body({ a: 1 }) }, undefined));
  });

  it('remembers at most the configured number of ids, newest kept', () => {
    const seen = new SeenIds(3, { seen: ['a', 'b'] }).with(['c', 'd']);
    expect(seen.toCheckpoint()).toEqual({ seen: ['b', 'c', 'd'] });
    expect(seen.has('a')).toBe(false);
    expect(seen.has('d')).toBe(true);
  });

  it('refuses a password in the URL', () => {
    const parsed = RabbitmqSourceSchema.safeParse({ ...config, url: 'amqp://guest:guest@127.0.0.1' });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('password.secretRef');
  });
});
