/**
 * Real certificates for TLS tests, made with the `openssl` CLI in a temp folder: a CA, a server
 * certificate it signs for 127.0.0.1/localhost, a client certificate it signs (its key encrypted
 * with a passphrase), a second CA nobody trusts with a server certificate of its own, and an
 * expired server certificate from the right CA. Nothing touches the machine's trust store.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TlsFiles {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  /** Encrypted with `clientKeyPassphrase`. */
  clientKey: string;
  clientKeyPassphrase: string;
  wrongCaCert: string;
  wrongServerCert: string;
  wrongServerKey: string;
  expiredCert: string;
  expiredKey: string;
  /** SPKI SHA-256 pins (base64) as openssl computes them. */
  serverPin: string;
  caPin: string;
  remove(): void;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
}

export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-tls-'));
  const at = (name: string) => path.join(dir, name);
  const sanFile = at('san.ext');
  writeFileSync(sanFile, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(at('client.ext'), 'extendedKeyUsage=clientAuth\n');
  const ca = (name: string, subject: string) =>
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const leaf = (name: string, issuer: string, subject: string, ext: string, validity: string[]) => {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-extfile', ext, ...validity], dir);
  };
  ca('ca', '/CN=TYA Test CA');
  ca('wrong-ca', '/CN=Someone Else CA');
  leaf('server', 'ca', '/CN=127.0.0.1', sanFile, ['-days', '2']);
  leaf('wrong-server', 'wrong-ca', '/CN=127.0.0.1', sanFile, ['-days', '2']);
  // Expired: OpenSSL 3.0's x509 has no -not_before, but -days -1 ends validity a day before it starts.
  leaf('expired', 'ca', '/CN=127.0.0.1', sanFile, ['-days', '-1']);
  leaf('client', 'ca', '/CN=agent-1', at('client.ext'), ['-days', '2']);
  const passphrase = 'client-key-PASS-7f3a';
  openssl(['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-enc.key', '-passout', `pass:${passphrase}`, '-v2', 'aes-256-cbc'], dir);
  const pin = (cert: string) => {
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], {
      input: execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', cert], { cwd: dir }),
      cwd: dir,
    });
    return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
  };
  return {
    dir,
    caCert: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client-enc.key'),
    clientKeyPassphrase: passphrase,
    wrongCaCert: at('wrong-ca.pem'),
    wrongServerCert: at('wrong-server.pem'),
    wrongServerKey: at('wrong-server.key'),
    expiredCert: at('expired.pem'),
    expiredKey: at('expired.key'),
    serverPin: pin('server.pem'),
    caPin: pin('ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function pem(file: string): string {
  return readFileSync(file, 'utf8');
}
