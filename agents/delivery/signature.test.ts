import { createHmac, timingSafeEqual } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from './signature.ts';

describe('signatureHeader', () => {
  it('signs "<t>." followed by the exact body bytes with HMAC-SHA256', () => {
    const secret = 'whsec_test_3f9a';
    const body = Buffer.from('{"batchId":"01JF3Q8Z7V0K6W1M8N2P4R5S6T","records":[]}', 'utf8');
    const t = 1_764_428_509;
    // Independent computation: one buffer with the prefix and the body concatenated.
    const expected = createHmac('sha256', secret)
      .update(Buffer.concat([Buffer.from(`${t}.`, 'ascii'), body]))
      .digest('hex');
    expect(signatureHeader(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('is HMAC-SHA256 (RFC 4231 test case 2 pins the primitive)', () => {
    // RFC 4231 §4.3 (key "Jefe"): the primitive is the standard one, and the header applies it
    // to "0." + body.
    expect(createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    const known = createHmac('sha256', 'Jefe').update('0.what do ya want for nothing?').digest('hex');
    expect(signatureHeader('Jefe', Buffer.from('what do ya want for nothing?'), 0)).toBe(`t=0,v1=${known}`);
  });

  it('covers the compressed bytes, so a signature over the JSON does not verify the gzip body', () => {
    const json = Buffer.from(JSON.stringify({ a: 'x'.repeat(2000) }));
    const gz = gzipSync(json);
    const overGzip = signatureHeader('s', gz, 100);
    const overJson = signatureHeader('s', json, 100);
    expect(overGzip).not.toBe(overJson);
    const v1 = Buffer.from(overGzip.split('v1=')[1]!, 'hex');
    const recomputed = createHmac('sha256', 's').update('100.').update(gz).digest();
    expect(timingSafeEqual(v1, recomputed)).toBe(true);
  });

  it('floors fractional seconds and changes with the timestamp', () => {
    const body = Buffer.from('{}');
    expect(signatureHeader('k', body, 1000.9).startsWith('t=1000,')).toBe(true);
    expect(signatureHeader('k', body, 1000)).not.toBe(signatureHeader('k', body, 1001));
  });
});
