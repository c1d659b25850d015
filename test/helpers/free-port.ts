/**
 * A loopback TCP port nobody listens on at the moment it is returned: for a server a test starts
 * itself, or for a receiver that must refuse the connection (ECONNREFUSED).
 */
import net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
