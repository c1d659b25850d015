/**
 * The OpenAPI 3.1 document of the control API, generated from the route table's zod schemas
 * (`z.toJSONSchema`), served at /api/v1/openapi.json. Nothing here is written by hand but the frame.
 */
import { z } from 'zod';
import { CONTROL_API_PREFIX, ControlErrorSchema } from './control-protocol.ts';
import { pathParameterNames, type AnyRoute } from './route-table.ts';

export const OPENAPI_PATH = '/openapi.json';

type JsonSchema = Record<string, unknown>;

export function buildOpenApi(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const operations = (paths[`${CONTROL_API_PREFIX}${route.path}`] ??= {});
    operations[route.method.toLowerCase()] = operation(route);
  }
  paths[`${CONTROL_API_PREFIX}${OPENAPI_PATH}`] = {
    get: {
      summary: 'This document.',
      tags: ['meta'],
      'x-role': 'viewer',
      responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'TYA Sync Agent control API',
      version,
      description:
        'Local only (127.0.0.1). Every answer is {ok: true, value} or {ok: false, error: {code, message}}. ' +
        'x-role on each operation is the least role it needs: viewer < operator < admin.',
    },
    components: {
      securitySchemes: {
        controlToken: { type: 'http', scheme: 'bearer', description: 'The token in control.json in the agent data folder.' },
        session: { type: 'apiKey', in: 'cookie', name: 'tya_session', description: 'A browser session from a one-time login link; changes also need X-CSRF-Token.' },
      },
    },
    security: [{ controlToken: [] }, { session: [] }],
    paths,
  };
}

function operation(route: AnyRoute): Record<string, unknown> {
  const result: Record<string, unknown> = {
    summary: route.summary,
    tags: [route.tag],
    'x-role': route.role,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/\{|\}/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
  };
  const parameters: unknown[] = [];
  const paramSchema = toSchema(route.params, 'input');
  const paramProperties = (paramSchema.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of pathParameterNames(route.path)) {
    parameters.push({ name, in: 'path', required: true, schema: paramProperties[name] ?? { type: 'string' } });
  }
  const inputSchema = toSchema(route.input, 'input');
  if (route.method === 'GET' || route.method === 'DELETE') {
    const properties = (inputSchema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((inputSchema.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(properties)) {
      parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
  } else {
    result.requestBody = { required: false, content: { 'application/json': { schema: inputSchema } } };
  }
  if (parameters.length > 0) result.parameters = parameters;
  const value = toSchema(route.output, 'output');
  result.responses = {
    '200': route.stream
      ? { description: 'Server-sent events; each data line is one JSON event.', content: { 'text/event-stream': { schema: value } } }
      : {
          description: 'Done.',
          content: { 'application/json': { schema: { type: 'object', properties: { ok: { const: true }, value }, required: ['ok', 'value'] } } },
        },
    default: {
      description: 'Refused or failed, with a code and a sentence saying what to do.',
      content: {
        'application/json': {
          schema: { type: 'object', properties: { ok: { const: false }, error: toSchema(ControlErrorSchema, 'output') }, required: ['ok', 'error'] },
        },
      },
    },
  };
  return result;
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}
