/**
 * Where secrets live: the OS keychain, nowhere else. Config files hold only `{secretRef: "…"}`;
 * this interface is the one way to turn a reference into a value. There is deliberately no
 * plaintext implementation: when no keychain is reachable the agent refuses and says how to fix it.
 */
export interface SecretStore {
  /** The secret, or `undefined` when nothing is stored under `ref`. */
  get(ref: string): Promise<string | undefined>;
  /** Stores and reads back; throws KeychainUnavailableError when the round trip fails. */
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<boolean>;
  /** A write-read-delete round trip with a throwaway value; throws with a fix when it fails. */
  probe(): Promise<void>;
}

/** Well-known references the agent itself uses. */
export const SecretRefs = {
  clientSecret: 'cloud/client-secret',
  signingSecret: 'cloud/signing-secret',
  /** The previous signing secret stays usable for 24 h after a rotation. */
  previousSigningSecret: 'cloud/previous-signing-secret',
  /**
   * The enrollment's ids (agentId, clientId, cloud URL) as JSON: not secret, but kept beside the
   * secrets so an agent whose outbox was lost or corrupt finds its identity again without a new key.
   */
  identity: 'cloud/identity',
} as const;
