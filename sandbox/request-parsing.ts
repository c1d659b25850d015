import type { z } from 'zod';
import type { CloudRequest } from './cloud-types.ts';
import { CloudHttpError } from './http-error.ts';

/** Parses a JSON body with a wire schema, answering 415/400 with the zod issues when it does not fit. */
export function parseJsonBody<S extends z.ZodType>(request: CloudRequest, schema: S): z.output<S> {
  return validate(schema, parseJsonValue(request));
}

/** The body as a JSON value, for checks that must run before the schema (limits, numbers in data). */
export function parseJsonValue(request: CloudRequest): unknown {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new CloudHttpError(415, 'unsupported_media_type', 'Send the body as Content-Type: application/json.');
  }
  try {
    return JSON.parse(request.body.toString('utf8')) as unknown;
  } catch {
    throw new CloudHttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 20)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const first = issues[0];
    throw new CloudHttpError(
      400,
      'invalid_request',
      `The request body does not match the API${first === undefined ? '' : `: ${first.path || '(root)'}: ${first.message}`}.`,
      { details: { issues } },
    );
  }
  return result.data;
}

/** Path parameters name an agent; a token may act only for its own agent. */
export function requireOwnAgent(request: CloudRequest): string {
  const agentId = request.params.agentId;
  if (request.agentId === undefined || agentId !== request.agentId) {
    throw new CloudHttpError(
      403,
      'agent_mismatch',
      'This token belongs to a different agent than the one in the path.',
    );
  }
  return agentId;
}
