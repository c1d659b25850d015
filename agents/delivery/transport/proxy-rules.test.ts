import { describe, expect, it } from 'vitest';
import { CloudProxySchema } from '../../api/cloud-transport-config.ts';
import { ProxyRules, redactUrl } from './proxy-rules.ts';

const rules = (config: Record<string, unknown>, env: NodeJS.ProcessEnv, secrets: Record<string, string> = {}) =>
  new ProxyRules(CloudProxySchema.parse(config), env, (ref) => Promise.resolve(secrets[ref]));

describe('ProxyRules', () => {
  it('takes HTTPS_PROXY (or https_proxy, then HTTP_PROXY) from the environment, with its credentials', async () => {
    const env = { https_proxy: 'http://u%40corp:p%3Ass@proxy.corp:3128' };
    expect(await rules({}, env).routesFor(new URL('https://api.example.com/v1'))).toEqual([
      { type: 'proxy', host: 'proxy.corp', port: 3128, credentials: { username: 'u@corp', password: 'p:ss' } },
    ]);
    expect(await rules({}, { HTTP_PROXY: 'proxy.corp:8080' }).routesFor(new URL('https://api.example.com/'))).toEqual([
      { type: 'proxy', host: 'proxy.corp', port: 8080 },
    ]);
    expect(await rules({}, {}).routesFor(new URL('https://api.example.com/'))).toEqual([{ type: 'direct' }]);
    expect(await rules({}, env).routesFor(new URL('http://127.0.0.1:9/'))).toEqual([{ type: 'direct' }]);
    expect(rules({}, env).describe()).not.toContain('p:ss');
  });

  it('ignores the environment in direct mode and applies NO_PROXY with the config list', async () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'example.com' };
    expect(await rules({ mode: 'direct' }, env).routesFor(new URL('https://api.other.com/'))).toEqual([{ type: 'direct' }]);
    expect(await rules({}, env).routesFor(new URL('https://api.example.com/'))).toEqual([{ type: 'direct' }]);
    expect(await rules({ noProxy: ['other.com'] }, env).routesFor(new URL('https://api.other.com/'))).toEqual([{ type: 'direct' }]);
  });

  it('adds the configured login from the keychain and says where to store it when it is missing', async () => {
    const config = { mode: 'manual', url: 'http://proxy.corp:3128', username: 'svc', password: { secretRef: 'cloud/proxy-password' } };
    expect(await rules(config, {}, { 'cloud/proxy-password': 'pw' }).routesFor(new URL('https://api.example.com/'))).toEqual([
      { type: 'proxy', host: 'proxy.corp', port: 3128, credentials: { username: 'svc', password: 'pw' } },
    ]);
    await expect(rules(config, {}).routesFor(new URL('https://api.example.com/'))).rejects.toThrow(/tya-agent secret set cloud\/proxy-password/);
  });

  it('refuses credentials in the config URL and hides them in messages', () => {
    expect(CloudProxySchema.safeParse({ mode: 'manual', url: 'http://u:p@proxy:1' }).success).toBe(false);
    expect(CloudProxySchema.safeParse({ mode: 'manual' }).success).toBe(false);
    expect(redactUrl('http://u:secret@proxy.corp:3128')).toBe('http://proxy.corp:3128');
  });
});
