/**
 * undici's connection-pooling Agent with only `request()` attached, instead of the whole package.
 * `import 'undici'` loads fetch, WebSocket, EventSource, the cache, mocks and interceptors too:
 * measured in a fresh process next to the agent's other dependencies, 14.5 MiB resident against
 * about 9 MiB for these two files, and the agent holds it for its whole life (issue 10's memory
 * ceiling). undici's own index attaches its API to `Dispatcher.prototype` the same way; loading the
 * full package later (doctor does) attaches the same functions again, so the two agree.
 */
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher as UndiciDispatcher } from 'undici';

const require = createRequire(import.meta.url);
const AgentClass = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
const DispatcherClass = require('undici/lib/dispatcher/dispatcher.js') as typeof UndiciDispatcher;
const request = require('undici/lib/api/api-request.js') as UndiciDispatcher['request'];

if (typeof (DispatcherClass.prototype as Partial<UndiciDispatcher>).request !== 'function')
  Object.assign(DispatcherClass.prototype, { request });

export const Agent = AgentClass;
