/**
 * A small HTTP CONNECT proxy on loopback with real sockets, for proxy tests: it counts the tunnels
 * it opened (and to where), can demand Basic authentication, or can offer only NTLM/Negotiate as
 * office proxies do. Anything but CONNECT is answered 405.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectProxyOptions {
  /** Demand `Proxy-Authorization: Basic` with these. */
  basic?: { username: string; password: string };
  /** Answer every CONNECT with 407 offering only these schemes (e.g. ['NTLM', 'Negotiate']). */
  onlySchemes?: string[];
}

export interface ConnectProxy {
  url: string;
  port: number;
  /** Tunnels opened, as `host:port`. */
  tunnels: string[];
  /** CONNECTs refused with 407. */
  refused: number;
  close(): Promise<void>;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' }).end('Only CONNECT is supported here.\n');
  });
  const state = { tunnels: [] as string[], refused: 0 };
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const refuse = (schemes: string[]) => {
      state.refused += 1;
      const challenge = schemes.map((s) => `Proxy-Authenticate: ${s}${s === 'Basic' ? ' realm="test"' : ''}\r\n`).join('');
      client.end(`HTTP/1.1 407 Proxy Authentication Required\r\n${challenge}Content-Length: 0\r\n\r\n`);
    };
    if (options.onlySchemes !== undefined) return refuse(options.onlySchemes);
    if (options.basic !== undefined) {
      const expected = `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`;
      if (req.headers['proxy-authorization'] !== expected) return refuse(['Basic']);
    }
    const [host, port] = splitAuthority(req.url ?? '');
    const upstream = net.connect({ host, port }, () => {
      state.tunnels.push(`${host}:${port}`);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get tunnels() {
      return state.tunnels;
    },
    get refused() {
      return state.refused;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitAuthority(authority: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  return match === null ? [authority, 443] : [match[1]!, Number(match[2])];
}
