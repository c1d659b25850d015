/**
 * Another process using the service vault, for test/integration/vault-cross-process.test.ts.
 *   write <vaultFile> <keyFile> <prefix> <count>: stores <prefix>/0 … <prefix>/<count-1>, one after another
 *   hold <vaultFile>: takes the vault's lock, prints `held` and keeps it until killed
 */
import { ServiceFileSecretStore } from '../../agents/vault/service-file-secret-store.ts';
import { withVaultLock } from '../../agents/vault/vault-lock.ts';

const [mode, vaultFile, keyFile, prefix, count] = process.argv.slice(2);
if (mode === 'write') {
  const store = new ServiceFileSecretStore({ file: vaultFile!, keyFile: keyFile! });
  for (let i = 0; i < Number(count); i += 1) await store.set(`${prefix}/${i}`, `value-of-${prefix}-${i}`);
  console.log('done');
} else if (mode === 'hold') {
  withVaultLock(vaultFile!, () => {
    console.log('held');
    // Block this thread inside the lock until the test kills the process.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
} else {
  throw new Error(`vault-child.ts: unknown mode ${mode}`);
}
