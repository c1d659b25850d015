/**
 * How the agent reaches the cloud (issue 12 items 3 and 4): which certificates it trusts, which
 * server keys it pins, which client certificate it shows, and which proxy it goes through. Every
 * part is optional: by default the agent trusts the operating system's roots plus Node's bundled
 * ones and takes its proxy from HTTPS_PROXY/HTTP_PROXY/NO_PROXY. See docs/network.md.
 */
import { z } from 'zod';

const SecretRefSchema = z
  .object({ secretRef: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'letters, digits, . _ / - only') })
  .strict();

/** An SPKI SHA-256 pin as `openssl … | openssl dgst -sha256 -binary | base64` prints it (44 characters). */
const SpkiPinSchema = z
  .string()
  .regex(/^(sha256\/)?[A-Za-z0-9+/]{43}=$/, 'a base64 SHA-256 of the server key (SPKI), 44 characters ending in =');

export const CloudTlsSchema = z
  .object({
    /** A PEM file of extra CA certificates to trust besides the system's and Node's bundled roots. */
    caFile: z.string().min(1).optional(),
    /**
     * SPKI SHA-256 pins (base64): the connection is accepted only if a certificate of the chain has
     * one of these keys. Two allow a rollover: the current key and the next.
     */
    pins: z.array(SpkiPinSchema).min(1).max(2).optional(),
    /** Client certificate (PEM) for clouds that require mutual TLS. */
    clientCert: z.string().min(1).optional(),
    /** Its private key (PEM), readable by the agent's user only. */
    clientKey: z.string().min(1).optional(),
    /** When the key is encrypted: its passphrase, in the keychain. */
    clientKeyPassphrase: SecretRefSchema.optional(),
  })
  .strict()
  .refine((t) => (t.clientCert === undefined) === (t.clientKey === undefined), {
    message: 'clientCert and clientKey go together: set both or neither',
    path: ['clientKey'],
  });
export type CloudTlsConfig = z.infer<typeof CloudTlsSchema>;

/** `http://host:port` of an HTTP proxy that tunnels with CONNECT; no credentials in the URL. */
const ProxyUrlSchema = z
  .string()
  .refine((raw) => URL.canParse(raw) && new URL(raw).protocol === 'http:', {
    message: 'must be an http:// proxy URL such as http://proxy.example.com:3128',
  })
  .refine((raw) => !URL.canParse(raw) || (new URL(raw).username === '' && new URL(raw).password === ''), {
    message: 'must not contain credentials: put the user name in cloud.proxy.username and the password in the keychain',
  });

export const CloudProxySchema = z
  .object({
    /**
     * `environment` (default): HTTPS_PROXY / HTTP_PROXY / NO_PROXY of the agent's process;
     * `manual`: `url` below; `pac`: the PAC file at `pacUrl`; `direct`: no proxy, whatever the environment says.
     */
    mode: z.enum(['environment', 'manual', 'pac', 'direct']).default('environment'),
    url: ProxyUrlSchema.optional(),
    /** A proxy auto-config file: an http(s):// URL, a file:// URL or a path. */
    pacUrl: z.string().min(1).optional(),
    /** For proxies that ask for Basic authentication. */
    username: z.string().min(1).optional(),
    password: SecretRefSchema.optional(),
    /** Hosts reached directly: `host`, `.domain`, `*.domain`, an IP, a CIDR, `host:port`, or `*`. Added to NO_PROXY. */
    noProxy: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .refine((p) => p.mode !== 'manual' || p.url !== undefined, { message: 'mode "manual" needs url', path: ['url'] })
  .refine((p) => p.mode !== 'pac' || p.pacUrl !== undefined, { message: 'mode "pac" needs pacUrl', path: ['pacUrl'] })
  .refine((p) => (p.username === undefined) === (p.password === undefined), {
    message: 'username and password go together: set both or neither',
    path: ['password'],
  });
export type CloudProxyConfig = z.infer<typeof CloudProxySchema>;

/** The part of `cloud` the transport reads. */
export interface CloudTransportConfig {
  tls: CloudTlsConfig;
  proxy: CloudProxyConfig;
}
