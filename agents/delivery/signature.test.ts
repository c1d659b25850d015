import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from './signature.ts';

const req = (body: Buffer, method = 'POST', pathWithQuery = '/v1/batches') => ({ method, pathWithQuery, body });

describe('signatureHeader (v2)', () => {
  it('signs "<t>\\n<METHOD>\\n<path>\\n<hex sha256 of body>" with HMAC-SHA256', () => {
    const secret = 'whsec_test_3f9a';
    const body = Buffer.from('{"batchId":"01JF3Q8Z7V0K6W1M8N2P4R5S6T","records":[]}', 'utf8');
    const t = 1_764_428_509;
    // Independent computation from the contract's words.
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const expected = createHmac('sha256', secret).update(`${t}\nPOST\n/v1/batches\n${bodyHash}`).digest('hex');
    expect(signatureHeader(secret, req(body), t)).toBe(`t=${t},v2=${expected}`);
  });

  it('is HMAC-SHA256 (RFC 4231 test case 2 pins the primitive)', () => {
    expect(createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('binds method and path with query: the same body to another route or query signs differently', () => {
    const body = Buffer.from('{}');
    const base = signatureHeader('k', req(body), 100);
    expect(signatureHeader('k', req(body, 'PUT'), 100)).not.toBe(base);
    expect(signatureHeader('k', req(body, 'POST', '/v1/agents/a/heartbeat'), 100)).not.toBe(base);
    const file = (name: string) => req(body, 'PUT', `/v1/files/ab?entity=e&source=s&name=${name}`);
    expect(signatureHeader('k', file('a.xml'), 100)).not.toBe(signatureHeader('k', file('b.xml'), 100));
  });

  it('covers the compressed bytes, so a signature over the JSON does not verify the gzip body', () => {
    const json = Buffer.from(JSON.stringify({ a: 'x'.repeat(2000) }));
    const gz = gzipSync(json);
    const overGzip = signatureHeader('s', req(gz), 100);
    expect(overGzip).not.toBe(signatureHeader('s', req(json), 100));
    const v2 = Buffer.from(overGzip.split('v2=')[1]!, 'hex');
    const gzHash = createHash('sha256').update(gz).digest('hex');
    const recomputed = createHmac('sha256', 's').update(`100\nPOST\n/v1/batches\n${gzHash}`).digest();
    expect(timingSafeEqual(v2, recomputed)).toBe(true);
  });

  it('floors fractional seconds and changes with the timestamp', () => {
    const body = Buffer.from('{}');
    expect(signatureHeader('k', req(body), 1000.9).startsWith('t=1000,')).toBe(true);
    expect(signatureHeader('k', req(body), 1000)).not.toBe(signatureHeader('k', req(body), 1001));
  });
});
