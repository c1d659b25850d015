/**
 * Proxy auto-config (PAC) files: `FindProxyForURL(url, host)` run in a node:vm context holding only
 * the standard helper functions, with a time limit, so a PAC file from the network can neither reach
 * the agent's objects nor hang it. PAC's DNS helpers are synchronous; Node's DNS is not, so the
 * target host is resolved before the call and `dnsResolve`/`isInNet`/`isResolvable` answer from that
 * (for any other name they answer "not resolvable"), which is what the usual PAC files ask.
 */
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import vm from 'node:vm';

/** One entry of a PAC answer, in order of preference. */
export type PacRoute = { type: 'direct' } | { type: 'proxy'; host: string; port: number };

const RUN_TIMEOUT_MS = 1000;

/** A compiled PAC file: compile once, ask per URL. */
export class PacScript {
  readonly #context: vm.Context;

  /** Throws with the script's own error when it does not compile or define FindProxyForURL. */
  constructor(source: string) {
    this.#context = vm.createContext(Object.create(null) as object, { codeGeneration: { strings: false, wasm: false } });
    vm.runInContext(PAC_HELPERS, this.#context, { timeout: RUN_TIMEOUT_MS });
    vm.runInContext(source, this.#context, { timeout: RUN_TIMEOUT_MS, filename: 'proxy.pac' });
    if (vm.runInContext('typeof FindProxyForURL', this.#context) !== 'function') {
      throw new Error('the PAC file does not define FindProxyForURL(url, host)');
    }
  }

  /** The routes the PAC file chooses for `url`, DIRECT when it answers nothing usable. */
  async routesFor(url: URL): Promise<PacRoute[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const resolved = await lookup(host).then(
      (r) => r.address,
      () => null,
    );
    const context = this.#context as Record<string, unknown>;
    // Primitives only: an object made here would carry this realm's Function, a way out of the sandbox.
    context['__pacUrl'] = url.href;
    context['__pacHost'] = host;
    context['__pacResolved'] = resolved;
    context['__pacMyIp'] = myIpAddress();
    const answer = vm.runInContext('__pacRun()', this.#context, { timeout: RUN_TIMEOUT_MS }) as unknown;
    return parsePacAnswer(typeof answer === 'string' ? answer : '');
  }
}

/** `PROXY a:3128; DIRECT` → routes. SOCKS entries are skipped: the agent speaks HTTP CONNECT only. */
export function parsePacAnswer(answer: string): PacRoute[] {
  const routes: PacRoute[] = [];
  for (const part of answer.split(';')) {
    const [kind, where] = part.trim().split(/\s+/);
    const type = (kind ?? '').toUpperCase();
    if (type === 'DIRECT') routes.push({ type: 'direct' });
    else if ((type === 'PROXY' || type === 'HTTP') && where !== undefined) {
      const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(where);
      if (match !== null) routes.push({ type: 'proxy', host: match[1]!, port: Number(match[2]) });
      else routes.push({ type: 'proxy', host: where, port: 80 });
    }
  }
  return routes.length === 0 ? [{ type: 'direct' }] : routes;
}

function myIpAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return '127.0.0.1';
}

/** The helper functions of the PAC standard (Netscape's, as browsers implement them). */
const PAC_HELPERS = String.raw`
var __pacUrl = '', __pacHost = '', __pacResolved = null, __pacMyIp = '127.0.0.1';
function __pacRun() { return String(FindProxyForURL(__pacUrl, __pacHost)); }
function __ip4(a) { var p = String(a).split('.'); if (p.length !== 4) return null;
  var n = 0; for (var i = 0; i < 4; i++) { var x = Number(p[i]); if (!(x >= 0 && x <= 255) || p[i] === '') return null; n = n * 256 + x; } return n; }
function dnsResolve(host) { if (__ip4(host) !== null) return host;
  return host === __pacHost ? __pacResolved : null; }
function isResolvable(host) { return dnsResolve(host) !== null; }
function myIpAddress() { return __pacMyIp; }
function isPlainHostName(host) { return String(host).indexOf('.') < 0; }
function dnsDomainIs(host, domain) { host = String(host).toLowerCase(); domain = String(domain).toLowerCase();
  return host.length >= domain.length && host.substring(host.length - domain.length) === domain; }
function localHostOrDomainIs(host, hostdom) { host = String(host).toLowerCase(); hostdom = String(hostdom).toLowerCase();
  return host === hostdom || (host.indexOf('.') < 0 && hostdom.indexOf(host + '.') === 0); }
function dnsDomainLevels(host) { return String(host).split('.').length - 1; }
function convert_addr(ip) { var n = __ip4(ip); return n === null ? 0 : n; }
function isInNet(host, pattern, mask) { var ip = dnsResolve(host); if (ip === null) return false;
  var a = __ip4(ip), p = __ip4(pattern), m = __ip4(mask); if (a === null || p === null || m === null) return false;
  for (var i = 3; i >= 0; i--) { var d = Math.pow(256, i);
    if ((Math.floor(a / d) % 256 & Math.floor(m / d) % 256) !== (Math.floor(p / d) % 256 & Math.floor(m / d) % 256)) return false; }
  return true; }
function shExpMatch(str, exp) { var re = '^' + String(exp).replace(/[.+^$(){}|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return new RegExp(re).test(String(str)); }
var __days = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
var __months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
function __gmt(args) { return args.length > 0 && args[args.length - 1] === 'GMT'; }
function weekdayRange(a, b, gmt) { var d = new Date(); var day = __gmt(arguments) ? d.getUTCDay() : d.getDay();
  var from = __days.indexOf(a), to = (b === undefined || b === 'GMT') ? from : __days.indexOf(b);
  if (from < 0 || to < 0) return false; return from <= to ? (day >= from && day <= to) : (day >= from || day <= to); }
function timeRange() { var args = Array.prototype.slice.call(arguments); var gmt = __gmt(args); if (gmt) args.pop();
  var d = new Date(); var h = gmt ? d.getUTCHours() : d.getHours(), m = gmt ? d.getUTCMinutes() : d.getMinutes();
  var now = h * 60 + m; if (args.length === 1) return h === args[0];
  if (args.length === 2) return h >= args[0] && h < args[1];
  if (args.length >= 4) { var s = args[0] * 60 + args[1], e = args[2] * 60 + args[3]; return s <= e ? now >= s && now < e : now >= s || now < e; }
  return false; }
function dateRange() { var args = Array.prototype.slice.call(arguments); var gmt = __gmt(args); if (gmt) args.pop();
  var d = new Date(); var day = gmt ? d.getUTCDate() : d.getDate(), mon = gmt ? d.getUTCMonth() : d.getMonth(), yr = gmt ? d.getUTCFullYear() : d.getFullYear();
  function one(v) { if (typeof v === 'number') return v > 31 ? yr === v : day === v; return mon === __months.indexOf(String(v).toUpperCase()); }
  if (args.length === 1) return one(args[0]);
  if (args.length === 2) { if (typeof args[0] === 'number' && args[0] <= 31) return day >= args[0] && day <= args[1];
    if (typeof args[0] === 'number') return yr >= args[0] && yr <= args[1];
    return mon >= __months.indexOf(String(args[0]).toUpperCase()) && mon <= __months.indexOf(String(args[1]).toUpperCase()); }
  return false; }
function alert() {}
`;
