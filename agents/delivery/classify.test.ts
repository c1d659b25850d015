import { describe, expect, it } from 'vitest';
import { classifyBatchAnswer, classifyNetworkError } from './classify.ts';
import type { DeliveryOutcome, HttpAnswer } from './classify.ts';

const NOW = Date.parse('2026-11-29T15:00:00.000Z');
const BATCH_ID = '01JF3Q8Z7V0K6W1M8N2P4R5S6T';
const BATCH = { batchId: BATCH_ID, records: 5, entity: 'store-7', source: 'pos-db' };

function cloudError(code: string, message = `the cloud says ${code}`) {
  return { error: { code, message, requestId: 'req_1' } };
}

function answer(status: number, body: unknown, headers: HttpAnswer['headers'] = {}): HttpAnswer {
  return { status, headers, body };
}

const ok = {
  batchId: BATCH_ID,
  accepted: 2,
  duplicates: 1,
  stale: 1,
  staleIndexes: [4],
  rejected: [{ index: 0, code: 'bad_number', message: 'no' }],
};

/** status, body, headers → expected kind (and the fields that matter for it). */
const table: Array<[string, HttpAnswer, Partial<DeliveryOutcome> & { kind: DeliveryOutcome['kind'] }]> = [
  ['200 with a valid response', answer(200, ok), { kind: 'delivered', response: ok }],
  ['200 for another batch id', answer(200, { ...ok, batchId: '01JF3Q8Z7V0K6W1M8N2P4R5S6V' }), { kind: 'retry' }],
  ['200 without a body', answer(200, undefined), { kind: 'retry' }],
  ['200 with accepted as a string', answer(200, { ...ok, accepted: '2' }), { kind: 'retry' }],
  ['408', answer(408, cloudError('request_timeout')), { kind: 'retry' }],
  [
    '429 with Retry-After seconds',
    answer(429, cloudError('rate_limited'), { 'retry-after': '7' }),
    { kind: 'retry', waitHintMs: 7000 },
  ],
  [
    '503 with Retry-After date',
    answer(503, cloudError('unavailable'), { 'retry-after': 'Sun, 29 Nov 2026 15:00:10 GMT' }),
    { kind: 'retry', waitHintMs: 10_000 },
  ],
  ['503 without a JSON body', answer(503, undefined), { kind: 'retry' }],
  ['500', answer(500, cloudError('internal')), { kind: 'retry' }],
  ['502 with garbage Retry-After', answer(502, undefined, { 'retry-after': 'later' }), { kind: 'retry' }],
  ['413', answer(413, cloudError('payload_too_large')), { kind: 'split' }],
  ['426', answer(426, cloudError('upgrade_required')), { kind: 'upgrade-required' }],
  ['401 agent_revoked', answer(401, cloudError('agent_revoked')), { kind: 'revoked' }],
  ['401 token_expired (after the refresh)', answer(401, cloudError('token_expired')), { kind: 'retry' }],
  ['401 signature_expired (clock skew)', answer(401, cloudError('signature_expired')), { kind: 'retry' }],
  ['200 whose counts do not add up', answer(200, { ...ok, accepted: 3 }), { kind: 'retry' }],
  ['200 whose stale count disagrees with its indexes', answer(200, { ...ok, stale: 2, accepted: 1 }), { kind: 'retry' }],
  ['200 listing an index twice', answer(200, { ...ok, staleIndexes: [0] }), { kind: 'retry' }],
  ['200 listing an index beyond the batch', answer(200, { ...ok, staleIndexes: [9] }), { kind: 'retry' }],
  ['400 with the cloud error body', answer(400, cloudError('invalid_batch')), { kind: 'dead-letter' }],
  ['400 from a proxy (no requestId)', answer(400, { error: { code: 'x', message: 'y' } }), { kind: 'retry' }],
  ['422 idempotency_key_reused', answer(422, cloudError('idempotency_key_reused')), { kind: 'dead-letter' }],
  ['422 without a body', answer(422, '<html>'), { kind: 'retry' }],
  ['401 bad_signature', answer(401, cloudError('bad_signature')), { kind: 'refused', scope: { type: 'agent' } }],
  ['403 forbidden', answer(403, cloudError('forbidden')), { kind: 'refused', scope: { type: 'agent' } }],
  [
    '403 entity_not_allowed halts the entity',
    answer(403, cloudError('entity_not_allowed')),
    { kind: 'refused', scope: { type: 'entity', entity: 'store-7' } },
  ],
  ['404 without a body (wrong URL)', answer(404, undefined), { kind: 'refused', scope: { type: 'agent' } }],
  ['407 proxy authentication', answer(407, undefined), { kind: 'refused', scope: { type: 'agent' } }],
  [
    '409 source_owned halts the source',
    answer(409, cloudError('source_owned')),
    { kind: 'refused', scope: { type: 'source', source: 'pos-db' } },
  ],
  ['426 seq_required', answer(426, cloudError('seq_required')), { kind: 'upgrade-required' }],
  ['410 (not in the contract)', answer(410, cloudError('gone')), { kind: 'retry' }],
  ['302 (a captive portal?)', answer(302, undefined, { location: 'http://x' }), { kind: 'retry' }],
];

describe('classifyBatchAnswer', () => {
  it.each(table)('%s', (_name, input, expected) => {
    const outcome = classifyBatchAnswer(input, BATCH, NOW);
    expect(outcome).toMatchObject(expected);
    if (expected.kind === 'retry' && !('waitHintMs' in expected)) expect(outcome).not.toHaveProperty('waitHintMs');
  });

  it('keeps the cloud error code, message and request id for the dead letter', () => {
    const outcome = classifyBatchAnswer(
      answer(400, cloudError('invalid_batch', 'records[3].key is empty')),
      BATCH,
      NOW,
    );
    expect(outcome).toEqual({
      kind: 'dead-letter',
      error: { code: 'invalid_batch', message: 'records[3].key is empty', status: 400, requestId: 'req_1' },
    });
  });

  it('names a response that does not parse bad_response', () => {
    const outcome = classifyBatchAnswer(answer(200, { nonsense: true }), BATCH, NOW);
    expect(outcome.kind === 'retry' && outcome.error.code).toBe('bad_response');
  });

  it('gives an error without a cloud body a code from the status', () => {
    const outcome = classifyBatchAnswer(answer(404, '<html>'), BATCH, NOW);
    expect(outcome.kind === 'refused' && outcome.error.code).toBe('http_404');
  });
});

describe('classifyNetworkError', () => {
  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      'network_error',
      /connection refused/,
    ],
    [
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      'network_error',
      /closed before the answer/,
    ],
    [Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'timeout', /timeout/],
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout', /timeout/],
    [Object.assign(new Error('fetch failed'), { cause: { code: 'ENOTFOUND' } }), 'network_error', /does not resolve/],
  ])('%s → retry %s', (error, code, message) => {
    const outcome = classifyNetworkError(error, 'http://127.0.0.1:9');
    expect(outcome.kind).toBe('retry');
    if (outcome.kind !== 'retry') return;
    expect(outcome.error.code).toBe(code);
    expect(outcome.error.message).toMatch(message);
    expect(outcome.error.message).toContain('http://127.0.0.1:9');
  });
});
