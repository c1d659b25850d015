import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from './keytar-secret-store.ts';
import { VaultSecretResolver } from './secret-resolver.ts';

const SERVICE = 'tya-sync-agent-test';
const namespace = `resolver-test-${process.pid}`;

afterEach(async () => {
  await keytar.deletePassword(SERVICE, `${namespace}/erp/password`);
});

describe('VaultSecretResolver', () => {
  const resolver = new VaultSecretResolver(new KeytarSecretStore({ service: SERVICE, namespace }));

  it('resolves a stored reference to its value', async () => {
    await new KeytarSecretStore({ service: SERVICE, namespace }).set('erp/password', 'erp-password-3x4y5z');
    expect(await resolver.resolve('erp/password')).toBe('erp-password-3x4y5z');
  });

  it('names the reference and the command that stores it when it is missing', async () => {
    const error = await resolver.resolve('erp/password').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'secret_missing' });
    expect((error as Error).message).toContain('"erp/password"');
    expect((error as { hint: string }).hint).toContain('tya-agent secret set erp/password');
  });
});
