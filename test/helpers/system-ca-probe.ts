/**
 * Run as a child process by test/integration/cloud-transport.test.ts with a temporary system trust
 * store (SSL_CERT_FILE/SSL_CERT_DIR): one GET of argv[2] through a CloudTransport with no TLS
 * configuration; prints `status N` or `error CODE`.
 */
import { request } from 'undici';
import { CloudTransport } from '../../agents/delivery/transport/cloud-transport.ts';

const transport = new CloudTransport({
  config: { tls: {}, proxy: { mode: 'direct', noProxy: [] } },
  readSecret: () => Promise.resolve(undefined),
  env: {},
});
try {
  const response = await request(process.argv[2] ?? '', { dispatcher: transport.dispatcher });
  await response.body.dump();
  console.log(`status ${response.statusCode}`);
} catch (error) {
  const e = error as { code?: string; message: string };
  console.log(`error ${e.code ?? e.message}`);
} finally {
  await transport.close();
}
