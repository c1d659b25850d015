/**
 * Node's http module, loaded by `require` instead of `import`. An ES import of `node:http` builds a
 * module facade by reading every export, and reading Node 24's lazy ones (WebSocket and its events)
 * loads Node's own bundled copy of undici, which the agent never uses (it talks HTTP through the
 * undici package): 50–54 ms against 7 ms in a bare node, and 73 ms of the agent's start in a CPU
 * profile (bench/README.md, restart). Of the built-ins the agent imports, only node:http costs
 * anything this way. `import type` from node:http is fine (erased at build).
 */
import { createRequire } from 'node:module';
import type * as Http from 'node:http';

export const nodeHttp = createRequire(import.meta.url)('node:http') as typeof Http;
