import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentError } from '../pipeline/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { redactSecrets } from '../vault/redaction.ts';
import { removeControlFileSync, writeControlFileSync } from './control-file.ts';
import type { ControlHandlers, ControlResult } from './control-protocol.ts';
import { ControlHttpError, routeControlRequest } from './control-routes.ts';
import { checkControlRequest } from './request-guard.ts';

export interface ControlServerOptions {
  /** 0 picks a free port; clients find it in control.json. */
  port: number;
  /** Where control.json (port and token) is written, readable only by the agent's user. */
  dataDir: string;
  handlers: ControlHandlers;
  logger: Logger;
  version: string;
}

export interface ControlServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;

/** Starts the local control API on 127.0.0.1 and publishes how to reach it in `dataDir/control.json`. */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const logger = options.logger.child({ component: 'control' });
  const token = randomBytes(32).toString('base64url');
  let port = 0;
  const server = createServer((request, response) => {
    void serve(request, response, { port, token, handlers: options.handlers, logger });
  });
  await listen(server, options.port);
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  try {
    writeControlFileSync(options.dataDir, {
      port,
      token,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      version: options.version,
    });
  } catch (error) {
    server.close();
    throw new AgentError('control_file_unwritable', `Could not write control.json in ${options.dataDir}.`, {
      hint: 'The agent needs write access to its data folder.',
      cause: error,
    });
  }
  logger.info({ url }, `The control API is listening on ${url}.`);

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        removeControlFileSync(options.dataDir, token);
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const message =
        error.code === 'EADDRINUSE'
          ? `Port ${port} on 127.0.0.1 is already in use, so the control API cannot start.`
          : `The control API could not listen on 127.0.0.1:${port}: ${error.message}`;
      reject(
        new AgentError('control_listen_failed', message, {
          hint: 'Stop the other program or agent using that port, or set another control port (0 picks a free one).',
          cause: error,
        }),
      );
    });
    server.listen({ host: '127.0.0.1', port }, () => resolve());
  });
}

interface ServeContext {
  port: number;
  token: string;
  handlers: ControlHandlers;
  logger: Logger;
}

async function serve(request: IncomingMessage, response: ServerResponse, context: ServeContext): Promise<void> {
  const { method = 'GET', url = '/' } = request;
  const refusal = checkControlRequest(request.headers, context.port, context.token);
  if (refusal !== null) {
    context.logger.warn({ method, code: refusal.code }, 'Refused a control request: ' + refusal.message);
    // Drain whatever was sent so the refusal is not lost in a reset connection.
    request.resume();
    return reply(response, refusal.status, { ok: false, error: { code: refusal.code, message: refusal.message } });
  }
  try {
    const { pathname, searchParams } = new URL(url, 'http://127.0.0.1');
    const body = await readJsonBody(request);
    const value = await routeControlRequest({ method, path: pathname, query: searchParams, body }, context.handlers);
    reply(response, 200, { ok: true, value: value ?? null });
  } catch (error) {
    if (error instanceof ControlHttpError) {
      request.resume();
      return reply(response, error.status, { ok: false, error: { code: error.code, message: error.message } });
    }
    if (error instanceof AgentError) {
      return reply(response, 409, { ok: false, error: { code: error.code, message: redactSecrets(error.message) } });
    }
    context.logger.error({ err: error, method, stage: 'control' }, 'A control request failed with an internal error.');
    reply(response, 500, {
      ok: false,
      error: { code: 'internal_error', message: 'The agent hit an internal error; its log has the details.' },
    });
  }
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new ControlHttpError(413, 'body_too_large', `Control requests are limited to ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ControlHttpError(415, 'unsupported_media_type', 'Control request bodies must be application/json.');
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlHttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

function reply(response: ServerResponse, status: number, result: ControlResult<unknown>): void {
  const body = JSON.stringify(result);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}
