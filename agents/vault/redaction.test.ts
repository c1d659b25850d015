import { describe, expect, it } from 'vitest';
import { SECRET_FIELD_PATHS, redactSecrets, registerSecretValue } from './redaction.ts';

describe('redactSecrets', () => {
  it('replaces every occurrence of a registered value', () => {
    registerSecretValue('alpha-secret-123456');
    expect(redactSecrets('a alpha-secret-123456 b alpha-secret-123456')).toBe('a [REDACTED] b [REDACTED]');
  });

  it('leaves values shorter than six characters alone', () => {
    registerSecretValue('12345');
    expect(redactSecrets('total 12345 rows')).toBe('total 12345 rows');
  });

  it('catches a secret escaped inside JSON and percent-encoded inside a URL', () => {
    registerSecretValue('pa"ss/wo rd&x');
    expect(redactSecrets(JSON.stringify({ msg: 'pw pa"ss/wo rd&x' }))).toBe('{"msg":"pw [REDACTED]"}');
    expect(redactSecrets(`https://h/?k=${encodeURIComponent('pa"ss/wo rd&x')}`)).toBe('https://h/?k=[REDACTED]');
  });

  it('hides a longer secret whole when it contains a shorter one', () => {
    registerSecretValue('inner-value');
    registerSecretValue('outer-inner-value-end');
    expect(redactSecrets('outer-inner-value-end')).toBe('[REDACTED]');
  });

  it('treats regular-expression characters in secrets literally', () => {
    registerSecretValue('a.b*c+d?(e)');
    expect(redactSecrets('aXb*c+d?(e) a.b*c+d?(e)')).toBe('aXb*c+d?(e) [REDACTED]');
  });

  it('lists redact paths for the known secret field names', () => {
    for (const path of ['clientSecret', '*.clientSecret', 'password', '*.password', 'headers.authorization']) {
      expect(SECRET_FIELD_PATHS).toContain(path);
    }
  });
});
