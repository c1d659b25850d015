import { describe, expect, it } from 'vitest';
import { reconcile, type AppliedRecord, type SourceRow } from './reconcile.ts';

const rows: SourceRow[] = [
  { stream: 'receipts', key: { id: '1' }, data: { id: '1', total: '18.40' } },
  { stream: 'receipts', key: { id: '2' }, data: { id: '2', total: '3.10' } },
];
const applied = (seq: number, id: string, total: string, version = `sha256:${id}-${total}`): AppliedRecord => ({
  seq,
  stream: 'receipts',
  key: { id },
  op: 'upsert',
  version,
  data: { id, total },
});

describe('the reconciler can fail', () => {
  it('passes when every row arrived once', () => {
    const r = reconcile(rows, [applied(1, '1', '18.40'), applied(2, '2', '3.10')]);
    expect([r.lost, r.wrongContent, r.duplicateEffects, r.unexpected].map((a) => a.length)).toEqual([0, 0, 0, 0]);
  });

  it('counts a missing row as lost', () => {
    expect(reconcile(rows, [applied(1, '1', '18.40')]).lost).toEqual([rows[1]]);
  });

  it('catches the same content applied twice under different versions (a broken, random version)', () => {
    const r = reconcile(rows, [applied(1, '1', '18.40', 'sha256:a'), applied(2, '1', '18.40', 'sha256:b'), applied(3, '2', '3.10')]);
    expect(r.duplicateEffects).toEqual([{ stream: 'receipts', key: { id: '1' }, times: 2 }]);
  });

  it('uses the latest update and reports stale content', () => {
    const r = reconcile(rows, [applied(1, '1', '18.40'), applied(2, '2', '3.10'), applied(3, '2', '9.99')]);
    expect(r.wrongContent).toHaveLength(1);
  });

  it('reports records under keys the source does not have', () => {
    expect(reconcile(rows, [applied(1, '1', '18.40'), applied(2, '2', '3.10'), applied(3, '3', '1.00')]).unexpected).toHaveLength(1);
  });
});
