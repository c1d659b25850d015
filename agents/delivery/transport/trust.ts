/**
 * What the agent trusts when it talks TLS to the cloud: the operating system's roots (where company
 * CAs and TLS-inspecting proxies' CAs are installed), Node's bundled roots, and an optional
 * `cloud.tls.caFile`; optionally only servers whose key matches a pin; optionally a client
 * certificate whose key's passphrase lives in the keychain. Built into one SecureContext (parsing
 * hundreds of roots per connection would cost more than the request).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { PeerCertificate, SecureContext } from 'node:tls';
import type { CloudTlsConfig } from '../../api/cloud-transport-config.ts';
import { TransportError } from './transport-error.ts';

export type ReadSecret = (ref: string) => Promise<string | undefined>;

export interface Trust {
  secureContext: SecureContext;
  /** Verifies the name as usual, then the pins (when configured). */
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/** The roots every connection trusts without configuration: system plus bundled, without repeats. */
export function defaultRoots(): string[] {
  return [...new Set([...tls.getCACertificates('default'), ...tls.getCACertificates('system')])];
}

export async function loadTrust(config: CloudTlsConfig, readSecret: ReadSecret): Promise<Trust> {
  const ca = defaultRoots();
  if (config.caFile !== undefined) ca.push(...(await readCaFile(config.caFile)));
  const clientAuth = await readClientCertificate(config, readSecret);
  let secureContext: SecureContext;
  try {
    secureContext = tls.createSecureContext({ ca, ...clientAuth, minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new TransportError(
      'tls_client_cert_unreadable',
      `The client certificate ${config.clientCert ?? ''} or its key ${config.clientKey ?? ''} cannot be used (${(error as Error).message}).`,
      'Check that cloud.tls.clientCert and cloud.tls.clientKey are the matching PEM files and, for an encrypted key, that the passphrase is stored under cloud.tls.clientKeyPassphrase\'s secretRef (tya-agent secret set REF).',
      { cause: error },
    );
  }
  const pins = (config.pins ?? []).map((pin) => pin.replace(/^sha256\//, ''));
  return {
    secureContext,
    checkServerIdentity: (host, cert) => {
      const nameError = tls.checkServerIdentity(host, cert);
      if (nameError !== undefined || pins.length === 0) return nameError;
      const seen = chainPins(cert);
      if (seen.some((pin) => pins.includes(pin))) return undefined;
      return new TransportError(
        'tls_pin_mismatch',
        `The certificate of ${host} is trusted but its key matches none of cloud.tls.pins (the server's key pin is ${seen[0] ?? 'unknown'}).`,
        'If the cloud changed its key on purpose, put the new pin in cloud.tls.pins (two pins allow a rollover); otherwise something between this agent and the cloud is intercepting the connection.',
      );
    },
  };
}

/** The SPKI SHA-256 pin (base64) of every certificate in the chain, leaf first. */
export function chainPins(leaf: PeerCertificate): string[] {
  const pins: string[] = [];
  const seen = new Set<PeerCertificate>();
  let cert: PeerCertificate | undefined = leaf;
  while (cert !== undefined && !seen.has(cert) && cert.raw !== undefined) {
    seen.add(cert);
    // `pubkey` is the raw point for EC keys, not the SPKI a pin hashes: take the key from the DER.
    pins.push(spkiPin(new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' })));
    const issuer: PeerCertificate | undefined = (cert as tls.DetailedPeerCertificate).issuerCertificate;
    cert = issuer === cert ? undefined : issuer;
  }
  return pins;
}

/** The base64 SHA-256 of a DER SubjectPublicKeyInfo: an SPKI pin. */
export function spkiPin(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('base64');
}

/** The pin of a PEM certificate, as `tya-agent doctor` and docs/network.md show how to compute it. */
export function pinOfPem(pem: string): string {
  const key = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return spkiPin(key);
}

async function readCaFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new TransportError(
      'tls_ca_file_unreadable',
      `The CA bundle ${file} (cloud.tls.caFile) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      'Fix the path in cloud.tls.caFile or the file\'s permissions (the agent\'s user must read it).',
      { cause: error },
    );
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) {
    throw new TransportError(
      'tls_ca_file_unreadable',
      `The CA bundle ${file} (cloud.tls.caFile) holds no PEM certificate.`,
      'Put the CA certificates in PEM form ("-----BEGIN CERTIFICATE-----") in that file.',
    );
  }
  return certs;
}

async function readClientCertificate(
  config: CloudTlsConfig,
  readSecret: ReadSecret,
): Promise<{ cert?: string; key?: string; passphrase?: string }> {
  if (config.clientCert === undefined || config.clientKey === undefined) return {};
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(config.clientCert, 'utf8'), readFile(config.clientKey, 'utf8')]);
  } catch (error) {
    throw new TransportError(
      'tls_client_cert_unreadable',
      `The client certificate or key cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'} on ${(error as NodeJS.ErrnoException).path ?? 'a file'}).`,
      'Fix cloud.tls.clientCert / cloud.tls.clientKey or the files\' permissions (the agent\'s user must read them).',
      { cause: error },
    );
  }
  const ref = config.clientKeyPassphrase?.secretRef;
  if (ref === undefined) return { cert, key };
  const passphrase = await readSecret(ref);
  if (passphrase === undefined) {
    throw new TransportError(
      'tls_client_cert_unreadable',
      `The passphrase of the client key is not in the keychain under "${ref}".`,
      `Store it with: tya-agent secret set ${ref} (or in the dashboard's settings, credentials).`,
    );
  }
  return { cert, key, passphrase };
}
