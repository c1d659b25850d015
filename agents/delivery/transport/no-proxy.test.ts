import { describe, expect, it } from 'vitest';
import { NoProxyList } from './no-proxy.ts';

describe('NoProxyList', () => {
  const list = new NoProxyList(['example.com, .corp.local *.intra', '10.0.0.0/8', '192.168.1.7', '[::1]', 'api.test:8443']);

  it('matches a domain, its subdomains and the leading-dot and wildcard forms', () => {
    expect(list.matches('example.com', 443)).toBe(true);
    expect(list.matches('api.example.com', 443)).toBe(true);
    expect(list.matches('notexample.com', 443)).toBe(false);
    expect(list.matches('erp.corp.local', 443)).toBe(true);
    expect(list.matches('corp.local', 443)).toBe(true);
    expect(list.matches('x.intra', 443)).toBe(true);
    expect(list.matches('EXAMPLE.COM.', 443)).toBe(true);
  });

  it('matches addresses, CIDR blocks and IPv6 with or without brackets', () => {
    expect(list.matches('10.20.30.40', 443)).toBe(true);
    expect(list.matches('11.0.0.1', 443)).toBe(false);
    expect(list.matches('192.168.1.7', 443)).toBe(true);
    expect(list.matches('192.168.1.8', 443)).toBe(false);
    expect(list.matches('::1', 443)).toBe(true);
    expect(list.matches('[::1]', 443)).toBe(true);
  });

  it('limits an entry with a port to that port, and * matches everything', () => {
    expect(list.matches('api.test', 8443)).toBe(true);
    expect(list.matches('api.test', 443)).toBe(false);
    expect(new NoProxyList(['*']).matches('anything.example', 1)).toBe(true);
    expect(new NoProxyList([]).matches('example.com', 443)).toBe(false);
  });
});
