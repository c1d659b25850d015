import { describe, expect, it } from 'vitest';
import { PacScript, parsePacAnswer } from './pac.ts';

describe('PAC files', () => {
  it('parses answers in order, skipping SOCKS', () => {
    expect(parsePacAnswer('PROXY a.example:3128; SOCKS s:1080; DIRECT')).toEqual([
      { type: 'proxy', host: 'a.example', port: 3128 },
      { type: 'direct' },
    ]);
    expect(parsePacAnswer('')).toEqual([{ type: 'direct' }]);
  });

  it('runs FindProxyForURL with the standard helpers', async () => {
    const pac = new PacScript(`function FindProxyForURL(url, host) {
      if (isPlainHostName(host) || dnsDomainIs(host, ".corp.local")) return "DIRECT";
      if (isInNet(host, "127.0.0.0", "255.0.0.0")) return "PROXY loop:1; DIRECT";
      if (shExpMatch(host, "*.example.com") && localHostOrDomainIs("www.example.com", "www.example.com")) return "PROXY p:8080";
      return "DIRECT";
    }`);
    expect(await pac.routesFor(new URL('https://erp.corp.local/'))).toEqual([{ type: 'direct' }]);
    expect(await pac.routesFor(new URL('https://127.0.0.1:9/'))).toEqual([{ type: 'proxy', host: 'loop', port: 1 }, { type: 'direct' }]);
    expect(await pac.routesFor(new URL('https://api.example.com/'))).toEqual([{ type: 'proxy', host: 'p', port: 8080 }]);
  });

  it('cannot reach Node from the script, and a script that never answers is stopped', async () => {
    expect(() => new PacScript('function FindProxyForURL() { return String(typeof require) + typeof process; }')).not.toThrow();
    const probe = new PacScript('function FindProxyForURL() { return "PROXY " + typeof require + typeof process + ":1"; }');
    expect(await probe.routesFor(new URL('https://x.example/'))).toEqual([{ type: 'proxy', host: 'undefinedundefined', port: 1 }]);
    const escape = new PacScript(`function FindProxyForURL(url, host) {
      try { return "PROXY " + typeof url.constructor.constructor("return process")() + ":1"; } catch (e) { return "DIRECT"; }
    }`);
    expect(await escape.routesFor(new URL('https://x.example/'))).toEqual([{ type: 'direct' }]);
    const hung = new PacScript('function FindProxyForURL() { for (;;) {} }');
    await expect(hung.routesFor(new URL('https://x.example/'))).rejects.toThrow(/timed out/);
    expect(() => new PacScript('var x = 1;')).toThrow(/FindProxyForURL/);
  });
});
