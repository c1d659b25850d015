/**
 * The machine-level checks of `tya-agent doctor`, each one finding in plain words: Node version,
 * data dir and disk space, the OS keychain, unixODBC's drivers and data sources, the cloud and the
 * clock. A finding is `ok`, `warn` (works, but look at it) or `fail` (the agent cannot work so).
 */
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { AgentConfig, OdbcSourceConfig } from '../../api/index.ts';
import { describeExposed, exposedDataPaths } from '../../engine/private-files.ts';
import { AgentError } from '../../pipeline/errors.ts';
import { namedDriver } from '../../sources/odbc/connection-string.ts';
import { dialectFor } from '../../sources/odbc/dialects/index.ts';
import type { CommandRunner } from '../../sources/odbc/discovery/index.ts';
import { listOdbcDataSources, listOdbcDrivers } from '../../sources/odbc/discovery/index.ts';
import { ServiceFileSecretStore, type SecretStore } from '../../vault/index.ts';

export interface Finding {
  status: 'ok' | 'warn' | 'fail' | 'skip';
  text: string;
  /** Further lines: details, and what to do. */
  detail?: string[];
}

export const MIN_NODE_MAJOR = 24;
const MIN_FREE_BYTES = 200 * 1024 ** 2;
export const CLOCK_WARN_SECS = 60;
/** The cloud refuses signatures older or newer than this (cloud-api.md). */
export const CLOCK_FAIL_SECS = 300;

export function checkNode(version = process.versions.node): Finding {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { status: 'ok', text: `Node.js ${version}` }
    : { status: 'fail', text: `Node.js ${version} is too old: the agent needs ${MIN_NODE_MAJOR} or later.`, detail: ['Install Node.js 24 LTS (or use the packaged agent, which brings its own).'] };
}

export function checkDataDir(dataDir: string, config: AgentConfig): Finding {
  // The folder is created at the first start; until then its nearest existing parent must be writable.
  let existing = dataDir;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  try {
    if (existing === dataDir) {
      const probe = mkdtempSync(path.join(dataDir, '.doctor-'));
      writeFileSync(path.join(probe, 'probe'), 'ok');
      rmSync(probe, { recursive: true, force: true });
    } else {
      accessSync(existing, constants.W_OK);
    }
  } catch (error) {
    return {
      status: 'fail',
      text: `The data dir ${dataDir} is not writable (${(error as Error).message}).`,
      detail: ['The agent keeps its queue there: give the user the agent runs as write access, or change agent.dataDir.'],
    };
  }
  const stats = statfsSync(existing);
  const free = Number(stats.bavail) * Number(stats.bsize);
  const where = existing === dataDir ? `The data dir ${dataDir} is writable` : `The data dir ${dataDir} will be created in ${existing}, which is writable`;
  const text = `${where}; ${formatBytes(free)} free on its disk.`;
  if (free < MIN_FREE_BYTES) {
    return { status: 'fail', text, detail: [`Less than ${formatBytes(MIN_FREE_BYTES)} is free: the queue cannot grow. Free disk space.`] };
  }
  if (free < config.outbox.maxBytes) {
    return {
      status: 'warn',
      text,
      detail: [`The queue may grow to ${formatBytes(config.outbox.maxBytes)} (outbox.maxBytes) while the cloud is unreachable; the disk has less.`],
    };
  }
  return { status: 'ok', text };
}

/** Says which paths of the data dir other users can read; the agent makes them private at its next start. */
export function checkDataDirPrivacy(dataDir: string): Finding {
  if (!existsSync(dataDir)) return { status: 'skip', text: `The data dir ${dataDir} does not exist yet (it is created private).` };
  const exposed = exposedDataPaths(dataDir);
  if (exposed.length === 0) return { status: 'ok', text: `Only the agent's user can read the data dir ${dataDir}.` };
  return {
    status: 'warn',
    text: `Other users of this machine can read ${exposed.length} path${exposed.length === 1 ? '' : 's'} in the data dir ${dataDir}: the queue holds the books' changes.`,
    detail: [
      ...exposed.slice(0, 5).map(describeExposed),
      ...(exposed.length > 5 ? [`… and ${exposed.length - 5} more`] : []),
      `The agent makes them private at its next start, or now: chmod -R go-rwx ${dataDir}`,
    ],
  };
}

export async function checkKeychain(store: SecretStore): Promise<Finding> {
  try {
    await store.probe();
    const where = store instanceof ServiceFileSecretStore ? `The service vault (${store.file})` : 'The OS keychain';
    return { status: 'ok', text: `${where} works: a test secret was stored, read back and removed.` };
  } catch (error) {
    if (!(error instanceof AgentError)) throw error;
    return { status: 'fail', text: error.message, detail: error.hint === undefined ? [] : [error.hint] };
  }
}

export interface OdbcFindings {
  findings: Finding[];
  /** Sources whose driver or DSN is missing: their connection test would only repeat it. */
  unusable: Set<string>;
}

/** Installed drivers and DSNs, and whether each ODBC source names one that exists. */
export async function checkOdbc(sources: readonly OdbcSourceConfig[], run?: CommandRunner): Promise<OdbcFindings> {
  const unusable = new Set<string>();
  const drivers = await listOdbcDrivers(run);
  if (!drivers.installed) {
    return {
      findings: [
        {
          status: sources.length > 0 ? 'fail' : 'warn',
          text: `unixODBC is not installed or not usable (${drivers.reason}).`,
          detail: ['Install it: sudo apt-get install unixodbc odbcinst, then the database drivers (odbc-postgresql, odbc-mariadb, libsqliteodbc).'],
        },
      ],
      unusable,
    };
  }
  const findings: Finding[] = [
    drivers.names.length === 0
      ? { status: sources.length > 0 ? 'fail' : 'warn', text: 'No ODBC drivers are installed.', detail: ['Install the driver of your database, e.g. sudo apt-get install odbc-postgresql.'] }
      : { status: 'ok', text: `ODBC drivers installed: ${drivers.names.join(', ')}.` },
  ];
  const dsns = await listOdbcDataSources(run);
  const dsnNames = dsns.installed ? dsns.names : [];
  findings.push({
    status: 'ok',
    text: dsnNames.length === 0 ? 'ODBC data sources (DSNs): none defined (DSN-less connection strings need none).' : `ODBC data sources (DSNs): ${dsnNames.join(', ')}.`,
  });
  for (const source of sources) {
    const named = namedDriver(source.connectionString);
    const dialect = dialectFor(source.dialect);
    if (named.kind === 'driver' && !drivers.names.some((name) => name.toLowerCase() === named.name.toLowerCase())) {
      unusable.add(source.name);
      findings.push({
        status: 'fail',
        text: `Source "${source.name}" names the ODBC driver "${named.name}", which is not installed.`,
        detail: [
          `Install it: sudo apt-get install ${dialect.debianPackage} (it registers "${dialect.driverName}"), and name that driver exactly in the connection string.`,
        ],
      });
    }
    if (named.kind === 'dsn' && !dsnNames.some((name) => name.toLowerCase() === named.name.toLowerCase())) {
      unusable.add(source.name);
      findings.push({
        status: 'fail',
        text: `Source "${source.name}" uses the DSN "${named.name}", which is not defined.`,
        detail: [`Define it in odbc.ini (odbcinst -q -s lists them), or use Driver={${dialect.driverName}};… instead.`],
      });
    }
  }
  return { findings, unusable };
}

export interface CloudProbe {
  status: number;
  dateHeader: string | null;
  /** Local time halfway through the request, to compare with the cloud's Date header. */
  midpointMs: number;
  elapsedMs: number;
}

/**
 * One GET of the cloud's base URL with a short timeout, over undici like the agent's own requests
 * (not fetch, which refuses some ports outright); any HTTP answer means the cloud is reachable.
 */
export async function probeCloud(url: string, timeoutMs: number, now: () => number = Date.now, dispatcher?: Dispatcher): Promise<CloudProbe> {
  const started = now();
  const response = await request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs, ...(dispatcher === undefined ? {} : { dispatcher }) });
  await response.body.dump();
  const ended = now();
  const date = response.headers.date;
  return {
    status: response.statusCode,
    dateHeader: typeof date === 'string' ? date : null,
    midpointMs: (started + ended) / 2,
    elapsedMs: ended - started,
  };
}

export function cloudFindings(url: string, result: CloudProbe | Error, env: NodeJS.ProcessEnv = process.env): Finding[] {
  const proxies = proxyVariables(env);
  const proxyLine = proxies.length === 0 ? 'No proxy variables are set.' : `Proxy variables: ${proxies.join(', ')}.`;
  if (result instanceof Error) {
    const reason = result.name === 'TimeoutError' || result.name === 'AbortError' ? 'no answer within the timeout' : describeFetchError(result);
    return [
      {
        status: 'fail',
        text: `The cloud ${url} could not be reached: ${reason}.`,
        detail: [proxyLine, 'Check the URL (cloud.url), the network, the firewall (outbound HTTPS) and any proxy.'],
      },
      { status: 'skip', text: 'Clock not compared with the cloud (it could not be reached).' },
    ];
  }
  return [
    { status: 'ok', text: `The cloud ${url} answered (HTTP ${result.status}) in ${Math.round(result.elapsedMs)} ms.`, detail: [proxyLine] },
    clockFinding(result),
  ];
}

export function clockFinding(probe: CloudProbe): Finding {
  const cloudMs = probe.dateHeader === null ? Number.NaN : Date.parse(probe.dateHeader);
  if (Number.isNaN(cloudMs)) return { status: 'warn', text: 'The cloud sent no usable Date header, so the clock could not be compared.' };
  // The Date header has whole seconds: up to one second of the difference is its rounding.
  const skewSecs = (probe.midpointMs - cloudMs) / 1000;
  const size = Math.abs(skewSecs);
  const words = `${formatSeconds(size)} ${skewSecs > 0 ? 'ahead of' : 'behind'} the cloud's`;
  if (size <= CLOCK_WARN_SECS) return { status: 'ok', text: `The clock agrees with the cloud's (${size < 2 ? 'within 2 s' : `${formatSeconds(size)} apart`}).` };
  const fix = 'Set the time right and keep it synchronised (Linux: timedatectl set-ntp true; Windows: w32tm /resync).';
  if (size <= CLOCK_FAIL_SECS) {
    return { status: 'warn', text: `This machine's clock is ${words}.`, detail: [`The cloud refuses requests signed more than ${CLOCK_FAIL_SECS} s off.`, fix] };
  }
  return {
    status: 'fail',
    text: `This machine's clock is ${words}: the cloud refuses requests signed more than ${CLOCK_FAIL_SECS} s off, so nothing would be delivered.`,
    detail: [fix],
  };
}

/** HTTPS_PROXY=http://proxy:3128 etc., with any user:password removed. */
export function proxyVariables(env: NodeJS.ProcessEnv): string[] {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'NO_PROXY', 'no_proxy']
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .map((name) => `${name}=${env[name]!.replace(/\/\/[^@/]*@/, '//[credentials hidden]@')}`);
}

function describeFetchError(error: Error): string {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'the connection was refused (nothing listens there)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name is not known (DNS)';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'no answer within the timeout';
  if (code !== undefined) return `${code} (${error.message})`;
  return error.message;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

function formatSeconds(secs: number): string {
  const whole = Math.round(secs);
  return whole < 120 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
