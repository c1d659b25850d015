/**
 * Serves the built dashboard (dist/renderer, built by Vite) to a browser on the control port. The
 * files hold no data (everything comes from /api/v1 with a session), so they need no session; they
 * carry a strict CSP, and any path that is not a file is the single-page app's index.html.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Where the built renderer is: $TYA_RENDERER_DIR, else dist/renderer beside the source or build tree. */
export function defaultRendererDir(): string | null {
  const env = process.env.TYA_RENDERER_DIR;
  if (env !== undefined && env !== '') return env;
  const here = import.meta.dirname;
  const candidates = here.split(path.sep).includes('dist')
    ? [path.resolve(here, '../../renderer')]
    : [path.resolve(here, '../../dist/renderer')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')) && existsSync(path.join(dir, 'assets'))) ?? null;
}

export function serveStatic(rendererDir: string | null, urlPath: string, response: ServerResponse): void {
  if (rendererDir === null) {
    return send(response, 404, 'text/plain; charset=utf-8', 'The dashboard is not built: run "npm run build", then reload.');
  }
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath).replace(/^\/+/, '');
  } catch {
    return send(response, 400, 'text/plain; charset=utf-8', 'Bad path.');
  }
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, relative === '' ? 'index.html' : relative);
  if (file !== root && !file.startsWith(root + path.sep)) return send(response, 404, 'text/plain; charset=utf-8', 'Not found.');
  const target = isFile(file) ? file : path.extname(file) === '' ? path.join(root, 'index.html') : null;
  if (target === null || !isFile(target)) return send(response, 404, 'text/plain; charset=utf-8', 'Not found.');
  const type = TYPES[path.extname(target)] ?? 'application/octet-stream';
  const immutable = target.includes(`${path.sep}assets${path.sep}`);
  send(response, 200, type, readFileSync(target), immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': cache,
    'Content-Security-Policy': DASHBOARD_CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
  response.end(body);
}
