import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BatchRecordSchema } from '../api/index.ts';
import { recordVersion } from './record-version.ts';

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

describe('recordVersion', () => {
  it('is the sha256 of canonical {data, key, op}', () => {
    const version = recordVersion({
      key: { receipt_id: '84121' },
      op: 'upsert',
      data: { total: '18.40', currency: 'EUR' },
    });
    expect(version).toBe(
      sha256('{"data":{"currency":"EUR","total":"18.40"},"key":{"receipt_id":"84121"},"op":"upsert"}'),
    );
  });

  it('covers only key and op for a delete, whatever data came along', () => {
    const expected = sha256('{"key":{"receipt_id":"84003"},"op":"delete"}');
    expect(recordVersion({ key: { receipt_id: '84003' }, op: 'delete' })).toBe(expected);
    expect(recordVersion({ key: { receipt_id: '84003' }, op: 'delete', data: { stale: 'row' } })).toBe(expected);
  });

  it('is stable across key order and number spelling, and ignores capturedAt', () => {
    const a = recordVersion({ key: { b: '2', a: '1' }, op: 'upsert', data: { qty: 1, price: '2.50' } });
    const b = recordVersion({
      key: { a: '1', b: '2' },
      op: 'upsert',
      data: JSON.parse('{"price":"2.50","qty":1.0}') as never,
    });
    const withCapturedAt = {
      key: { a: '1', b: '2' },
      op: 'upsert' as const,
      data: { price: '2.50', qty: 1 },
      capturedAt: 'now',
    };
    expect(b).toBe(a);
    expect(recordVersion(withCapturedAt)).toBe(a);
  });

  it('changes when any content changes', () => {
    const base = { key: { id: '1' }, op: 'upsert' as const, data: { total: '18.40' } };
    const versions = new Set([
      recordVersion(base),
      recordVersion({ ...base, data: { total: '18.41' } }),
      recordVersion({ ...base, key: { id: '2' } }),
      recordVersion({ ...base, op: 'delete' }),
    ]);
    expect(versions.size).toBe(4);
  });

  it('has the shape the cloud contract demands', () => {
    const version = recordVersion({ key: { id: 'ü' }, op: 'upsert', data: { n: 'ß' } });
    expect(BatchRecordSchema.shape.version.safeParse(version).success).toBe(true);
  });
});
