/**
 * Seeded data of the Write-back and Exchange screens (ui-seed.ts merges it): one manual conflict on a
 * cost-centre record (two fields changed on both sides, one only in the cloud), recent items in every
 * state a bookkeeper meets, two RabbitMQ queues (one with redeliveries and a poison message) and a
 * bank's SFTP server with statements fetched, one the same content again, and a payment file pushed.
 */
import type { ExchangeView, SinkStatus, WritebackConflict, WritebackEntry } from '../../agents/api/index.ts';

export function seededWriteback(iso: (offsetMs: number) => string): Record<string, unknown> {
  const min = 60_000;
  const item = (id: string, target: string, key: Record<string, string>, seq: number, ago: number, extra: Partial<WritebackEntry>): WritebackEntry => ({
    id, target, key, seq, state: 'applied', status: 'applied', resolution: 'no-conflict', message: null, reported: true,
    createdAt: iso(-(ago + 1) * min), receivedAt: iso(-ago * min), decisionPending: null, ...extra,
  });
  const listWriteback: WritebackEntry[] = [
    item('wb-2026-11-0419', 'gl-import', { account: '6800' }, 3, 6, { state: 'conflict-waiting', status: 'pending', resolution: 'manual', message: 'Held for a person: name, cost_centre.' }),
    item('wb-2026-11-0418', 'journal-import', { entry: 'JE-2026-1187' }, 1, 14, { state: 'outcome-unknown', status: 'pending', resolution: 'outcome_unknown', message: 'The agent stopped between recording its intent and recording the outcome.' }),
    item('wb-2026-11-0417', 'gl-import', { account: '4400' }, 2, 32, { resolution: 'merge' }),
    item('wb-2026-11-0416', 'cost-centres', { code: 'CC-210' }, 5, 47, { state: 'skipped', status: 'conflict', resolution: 'premises-wins', message: 'The premises record was kept; conflicting fields: manager.' }),
    item('wb-2026-11-0415', 'journal-import', { entry: 'JE-2026-1186' }, 1, 58, {}),
    item('wb-2026-11-0414', 'gl-import', { account: '4711' }, 1, 95, { state: 'failed', status: 'failed', resolution: 'superseded', message: 'A newer change of this record was applied already.' }),
  ];
  const listConflicts: WritebackConflict[] = [{
    id: 'wb-2026-11-0419', target: 'gl-import', key: { account: '6800' }, seq: 3, createdAt: iso(-7 * min), receivedAt: iso(-6 * min), decisionPending: false,
    fields: [
      { field: 'account', base: '6800', cloud: '6800', premises: '6800', conflicted: false },
      { field: 'name', base: 'Office supplies', cloud: 'Office supplies & postage', premises: 'Office material', conflicted: true },
      { field: 'cost_centre', base: 'CC-100', cloud: 'CC-110', premises: 'CC-120', conflicted: true },
      { field: 'vat_code', base: 'V20', cloud: 'V10', premises: 'V20', conflicted: false },
      { field: 'blocked', base: 'false', cloud: 'false', premises: 'true', conflicted: false },
    ],
  }];
  const sha = (c: string) => c.repeat(64).slice(0, 64);
  const getExchange: ExchangeView = {
    rabbitmq: [
      { source: 'pos-events', queue: 'pos.sales', stream: 'sales_events', state: 'ok', consumed: 48_213, redeliveriesDropped: 17, poisoned: 1, deadLetterExchange: 'pos.dead', lastSuccessAt: iso(-4000), lastError: null },
      { source: 'erp-events', queue: 'erp.postings', stream: 'postings', state: 'error', consumed: 9_120, redeliveriesDropped: 0, poisoned: 0, deadLetterExchange: null, lastSuccessAt: iso(-22 * min),
        lastError: { code: 'rabbitmq_disconnected', message: 'Lost the RabbitMQ connection: the broker closed the connection. The agent reconnects on its own.', at: iso(-21 * min) } },
    ],
    sftp: {
      servers: [{ name: 'hausbank', host: 'sftp.hausbank.example', port: 22, pull: { remoteDir: '/out/statements', intervalSecs: 300, afterImport: 'move:/out/archive' }, push: { remoteDir: '/in/payments' } }],
      fetched: [
        { server: 'hausbank', remotePath: '/out/statements/camt053_20261128.xml', size: 48_211, sha256: sha('3fa9'), fetchedAt: iso(-9 * min), state: 'delivering', movedTo: null, reason: 'waiting for delivery: 212 records not yet accepted by the cloud' },
        { server: 'hausbank', remotePath: '/out/statements/camt053_20261128_usd.xml', size: 12_407, sha256: sha('5e1c'), fetchedAt: iso(-9 * min), state: 'kept', movedTo: null, reason: 'kept: 2 records rejected by the cloud (tya-agent dlq list)' },
        { server: 'hausbank', remotePath: '/out/statements/camt053_20261127_v2.xml', size: 51_004, sha256: sha('c01d'), fetchedAt: iso(-20 * 60 * min), state: 'duplicate', movedTo: null, reason: null },
        { server: 'hausbank', remotePath: '/out/statements/camt053_20261127.xml', size: 51_004, sha256: sha('c01d'), fetchedAt: iso(-24 * 60 * min), state: 'moved', movedTo: '/out/archive/camt053_20261127.xml', reason: null },
        { server: 'hausbank', remotePath: '/out/statements/camt053_20261126.xml', size: 39_870, sha256: sha('9b2e'), fetchedAt: iso(-48 * 60 * min), state: 'moved', movedTo: '/out/archive/camt053_20261126.xml', reason: null },
      ],
      pushed: [{ server: 'hausbank', name: 'pain001_20261128_run2.xml', remotePath: '/in/payments/pain001_20261128_run2.xml', sha256: sha('a7e4'), pushedAt: iso(-95 * min) }],
    },
  };
  const getSinks: SinkStatus[] = [
    { name: 'pos-events-out', type: 'rabbitmq', exchange: 'tya.sales', state: 'connected', queued: 0, unconfirmed: 12, confirmed: 48_190, republished: 37, lastError: { at: iso(-3 * 3600_000), message: 'The broker closed the connection (CONNECTION_FORCED); reconnected after 2 s.' }, lastConfirmedAt: iso(-2000) },
  ];
  return { listWriteback, listConflicts, getExchange, getSinks };
}
