/**
 * One declaration per control route: method, path, the least role it needs, a zod schema for its
 * input (path parameters, query or body) and for its answer. The server routes with it, checks the
 * role with it, and the OpenAPI document is generated from it, so the three never disagree.
 */
import { z } from 'zod';
import type { Principal, Role } from './roles.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteInput<P, I> {
  /** Path parameters (`/sources/{name}`), parsed with `params`. */
  params: P;
  /** The query (GET, DELETE) or the JSON body (POST, PUT), parsed with `input`. */
  input: I;
  /** Who is calling, and the CSRF token of their browser session (null for a token caller). */
  caller: { principal: Principal; csrfToken: string | null };
}

export interface RouteDef<P extends z.ZodType = z.ZodType, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Below /api/v1, with `{name}` placeholders. */
  path: string;
  role: Role;
  summary: string;
  /** One group per screen, used as the OpenAPI tag. */
  tag: string;
  params: P;
  input: I;
  output: O;
  /** A live event stream (text/event-stream) rather than one JSON answer. */
  stream?: boolean;
  run(request: RouteInput<z.output<P>, z.output<I>>): Promise<z.input<O>> | z.input<O>;
}

/** A route with its types erased, as the table holds it. */
export type AnyRoute = RouteDef<z.ZodType, z.ZodType, z.ZodType>;

export const NoParams = z.strictObject({});
export const NoInput = z.strictObject({});

export function defineRoute<P extends z.ZodType, I extends z.ZodType, O extends z.ZodType>(route: RouteDef<P, I, O>): AnyRoute {
  return route;
}

/** Names of the `{placeholders}` in a path, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1]!);
}

export interface RouteMatch {
  route: AnyRoute;
  params: Record<string, string>;
}

/**
 * Finds the route for a method and path (below the prefix). `null` when no path matches;
 * `{allowed}` when the path exists but not with this method.
 */
export function matchRoute(routes: readonly AnyRoute[], method: string, path: string): RouteMatch | { allowed: HttpMethod[] } | null {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params === null) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : null;
}

function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name !== undefined) {
      let value: string;
      try {
        value = decodeURIComponent(have[i]!);
      } catch {
        return null;
      }
      if (value === '') return null;
      params[name] = value;
    } else if (segment !== have[i]) return null;
  }
  return params;
}
