import { z } from 'zod';
import { AgentError } from '../pipeline/errors.ts';
import {
  CONTROL_API_PREFIX,
  DeadLetterIdsRequestSchema,
  DeadLetterQuerySchema,
  SyncRequestSchema,
} from './control-protocol.ts';
import type { ControlHandlers } from './control-protocol.ts';
import { ALERT_ACK_PATH, acknowledgeAlertsRoute } from './control-alert-routes.ts';

/** A request the control API refuses before any handler runs; `status` is the HTTP status. */
export class ControlHttpError extends AgentError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

export interface ControlRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

type Route = (request: ControlRequest, handlers: ControlHandlers) => Promise<unknown>;

const ROUTES: Record<string, Partial<Record<'GET' | 'POST', Route>>> = {
  '/status': { GET: async (_, handlers) => handlers.status() },
  '/sync': {
    POST: async (request, handlers) => {
      const { source } = parse(SyncRequestSchema, request.body ?? {});
      await handlers.syncNow(source);
      return null;
    },
  },
  '/dlq': {
    GET: (request, handlers) => {
      const { limit } = parse(DeadLetterQuerySchema, { limit: request.query.get('limit') ?? undefined });
      return handlers.listDeadLetters(limit);
    },
  },
  '/dlq/replay': {
    POST: (request, handlers) => handlers.replayDeadLetters(parse(DeadLetterIdsRequestSchema, request.body).ids),
  },
  '/dlq/discard': {
    POST: (request, handlers) => handlers.discardDeadLetters(parse(DeadLetterIdsRequestSchema, request.body).ids),
  },
  [ALERT_ACK_PATH]: {
    POST: (request, handlers) =>
      acknowledgeAlertsRoute(request.body, handlers, { httpError: (status, code, message) => new ControlHttpError(status, code, message) }),
  },
};

/** Runs the matching handler and returns its value; throws ControlHttpError for unknown routes or bad input. */
export async function routeControlRequest(request: ControlRequest, handlers: ControlHandlers): Promise<unknown> {
  const route = request.path.startsWith(`${CONTROL_API_PREFIX}/`)
    ? ROUTES[request.path.slice(CONTROL_API_PREFIX.length)]
    : undefined;
  if (route === undefined) {
    throw new ControlHttpError(404, 'not_found', `There is no control API route ${request.path}.`);
  }
  const run = request.method === 'GET' || request.method === 'POST' ? route[request.method] : undefined;
  if (run === undefined) {
    const allowed = Object.keys(route).join(', ');
    throw new ControlHttpError(405, 'method_not_allowed', `${request.path} accepts ${allowed}, not ${request.method}.`);
  }
  return run(request, handlers);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ControlHttpError(400, 'invalid_request', `The request is not valid: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}
