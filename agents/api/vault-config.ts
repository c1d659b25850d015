/**
 * Where the agent keeps its secrets (issue 16 item 1). `keychain` (the default) is the OS keychain.
 * `service-file` is for a headless service with no keychain: one file encrypted with AES-256-GCM,
 * its key in a separate file only the service user can read. It is never chosen silently: an agent
 * without a reachable keychain refuses and names this setting (docs/service.md).
 */
import { z } from 'zod';

export const VaultBackendSchema = z.enum(['keychain', 'service-file']);
export type VaultBackend = z.infer<typeof VaultBackendSchema>;

export const VaultConfigSchema = z
  .object({
    backend: VaultBackendSchema,
    /**
     * service-file only: where the key lives; relative paths are relative to the data dir.
     * Default `vault/vault.key` in the data dir; put it elsewhere to keep it out of copies of the data dir.
     */
    keyFile: z.string().min(1).optional(),
  })
  .strict();
export type VaultConfig = z.infer<typeof VaultConfigSchema>;
