/**
 * A webhook receiver on loopback for tests of alert notices: keeps each JSON body it accepted and
 * answers with `status` (set it to 500 or 503 for a receiver that is down; refused bodies are not kept).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { nodeHttp } from '../../agents/pipeline/node-http.ts';
import type { AlertNotice } from '../../agents/engine/notify/channels.ts';

export interface WebhookSink {
  url: string;
  received: AlertNotice[];
  status: number;
  server: Server;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const server = nodeHttp.createServer();
  const hook: WebhookSink = {
    url: '',
    received: [],
    status: 204,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      if (hook.status < 300) hook.received.push(JSON.parse(body) as AlertNotice);
      response.writeHead(hook.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  return hook;
}
