/**
 * Failures of the way to the cloud that retrying cannot fix: an untrusted or expired certificate, a
 * pin that does not match, a client certificate the cloud demands, a proxy that wants a login we
 * cannot give. Each names its cause and what to configure; delivery halts on them with an alert
 * (agents/delivery/cloud-health.ts) and tries again every 5 minutes instead of retrying silently.
 */

export const TRANSPORT_ERROR_CODES = [
  'tls_untrusted',
  'tls_expired',
  'tls_not_yet_valid',
  'tls_hostname_mismatch',
  'tls_pin_mismatch',
  'tls_client_cert_required',
  'tls_client_cert_unreadable',
  'tls_ca_file_unreadable',
  'proxy_auth_required',
  'proxy_auth_failed',
  'proxy_auth_unsupported',
  'proxy_refused',
  'pac_failed',
] as const;
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** What a person should configure; already part of `message`, kept apart for doctor. */
  readonly hint: string;

  constructor(code: TransportErrorCode, what: string, hint: string, options: { cause?: unknown } = {}) {
    super(`${what} ${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.hint = hint;
  }
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/**
 * The TransportError behind a failed request, if any: one of ours anywhere in the cause chain, or a
 * Node/OpenSSL error code that means a TLS failure retrying will not fix. `host` names the server.
 */
export function transportFailureOf(error: unknown, host: string): TransportError | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; e = causeOf(e), depth++) {
    if (e instanceof TransportError) return e;
    const code = propertyOf(e, 'code');
    if (typeof code !== 'string') continue;
    const mapped = fromTlsCode(code, host, e);
    if (mapped !== undefined) return mapped;
  }
  return undefined;
}

function fromTlsCode(code: string, host: string, cause: unknown): TransportError | undefined {
  if (UNTRUSTED.has(code)) {
    return new TransportError(
      'tls_untrusted',
      `The certificate of ${host} is not signed by a certificate authority this agent trusts (${code}).`,
      'If your company inspects TLS or the cloud uses a private CA, add that CA to the operating system\'s trust store or set cloud.tls.caFile to a PEM file with it.',
      { cause },
    );
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return new TransportError(
      'tls_expired',
      `The certificate of ${host} has expired.`,
      'The server (or a TLS-inspecting proxy) must renew it; also check that this machine\'s clock is right.',
      { cause },
    );
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return new TransportError(
      'tls_not_yet_valid',
      `The certificate of ${host} is not valid yet.`,
      'Check that this machine\'s clock and time zone are right.',
      { cause },
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TransportError(
      'tls_hostname_mismatch',
      `The certificate presented for ${host} is for another name.`,
      'Check cloud.url; a TLS-inspecting proxy must issue certificates for the names it intercepts.',
      { cause },
    );
  }
  // TLS 1.3 sends a missing-client-certificate refusal after the handshake, as alert 116; TLS 1.2
  // servers usually answer with a handshake failure alert (40) when a certificate was demanded.
  if (
    code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' ||
    code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' ||
    code === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' ||
    code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'
  ) {
    return new TransportError(
      'tls_client_cert_required',
      `${host} refused this agent's TLS connection because it requires a client certificate it accepts (${code}).`,
      'Set cloud.tls.clientCert and cloud.tls.clientKey to the certificate and key the cloud issued for this agent (and cloud.tls.clientKeyPassphrase when the key is encrypted).',
      { cause },
    );
  }
  return undefined;
}

function causeOf(error: unknown): unknown {
  return propertyOf(error, 'cause');
}

function propertyOf(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as Record<string, unknown>)[key];
}
