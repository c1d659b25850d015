/**
 * Syslog alerts on real loopback listeners (UDP and TCP), and the local socket through util-linux
 * `logger` into a real Unix datagram socket: the message arrives well-formed (RFC 5424), with no
 * secret, once per alert under the notifier's rule against repeats.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotifyConfigSchema } from '../../api/notify-config.ts';
import { ManualClock, makeTempDir, openTestOutbox, type TempDir } from '../../outbox/outbox-test-kit.ts';
import type { Outbox } from '../../outbox/outbox.ts';
import { createSilentLogger } from '../../telemetry/logger.ts';
import { registerSecretValue } from '../../vault/redaction.ts';
import { AlertNotifier } from './alert-notifier.ts';
import type { AlertNotice } from './channels.ts';
import { syslogChannel } from './syslog-channel.ts';
import { escapeSdValue, formatSyslogMessage, truncateUtf8 } from './syslog-format.ts';

const SECRET = 'planted-syslog-secret-Z8x6c4';

/** RFC 5424: HEADER SP STRUCTURED-DATA [SP MSG], with our one SD element. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (\[tya@32473(?: [^=\s\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*")+\]) (.*)$/su;

function parse(message: string): { pri: number; time: string; host: string; app: string; procId: string; msgId: string; sd: string; msg: string } {
  const m = RFC5424.exec(message);
  if (m === null) throw new Error(`Not an RFC 5424 message: ${message}`);
  return { pri: Number(m[1]), time: m[2]!, host: m[3]!, app: m[4]!, procId: m[5]!, msgId: m[6]!, sd: m[7]!, msg: m[8]! };
}

const notice: AlertNotice = {
  agent: 'store-7 "back" office',
  code: 'arrival_missing:tills:shift_reports',
  severity: 'critical',
  message: 'No shift close from tills since Fri 22:41; one was expected by Sat 02:00.',
  since: '2026-12-05T01:00:00.000Z',
  state: 'raised',
};

describe('formatSyslogMessage', () => {
  const header = { facility: 'local3', hostname: 'pos server', appName: 'tya-agent', procId: '4242', nowMs: Date.parse('2026-12-05T01:00:05.123Z') } as const;

  it('writes PRI, version, timestamp, cleaned header fields, escaped structured data and the message', () => {
    expect(formatSyslogMessage(notice, header)).toBe(
      '<154>1 2026-12-05T01:00:05.123Z pos_server tya-agent 4242 raised ' +
        '[tya@32473 agent="store-7 \\"back\\" office" code="arrival_missing:tills:shift_reports" severity="critical" state="raised" since="2026-12-05T01:00:00.000Z"] ' +
        'No shift close from tills since Fri 22:41; one was expected by Sat 02:00.',
    );
    // local3 (19) × 8 + warning (4); resolved is notice (5).
    expect(parse(formatSyslogMessage({ ...notice, severity: 'warning' }, header)).pri).toBe(156);
    const resolved = parse(formatSyslogMessage({ ...notice, state: 'resolved' }, header));
    expect(resolved).toMatchObject({ pri: 157, msgId: 'resolved', msg: `Resolved: ${notice.message}` });
  });

  it('escapes ", \\ and ] in SD values, marks UTF-8 with a BOM, and cuts without splitting a character', () => {
    expect(escapeSdValue('a"b\\c]d=e')).toBe('a\\"b\\\\c\\]d=e');
    const german = formatSyslogMessage({ ...notice, message: 'Kassenabschluss fehlt für Kasse 3.' }, header);
    expect(parse(german).msg).toBe('\uFEFFKassenabschluss fehlt für Kasse 3.');
    expect(truncateUtf8('aaü', 3)).toBe('aa');
    expect(truncateUtf8('aaü', 4)).toBe('aaü');
  });
});

let tmp: TempDir;
let clock: ManualClock;
let outbox: Outbox;

beforeEach(() => {
  tmp = makeTempDir();
  clock = new ManualClock(Date.parse('2026-12-05T01:00:00.000Z'));
  outbox = openTestOutbox(tmp.path('o.db'), clock);
  registerSecretValue(SECRET);
});
afterEach(() => {
  outbox.close();
  tmp.remove();
});

function notifier(syslog: Record<string, unknown>): AlertNotifier {
  const config = NotifyConfigSchema.parse({ syslog });
  return new AlertNotifier({ agentName: () => 'store-7', config: () => config, outbox, secrets: { resolve: () => Promise.reject(new Error('no secrets here')) }, logger: createSilentLogger(), now: () => clock.now() });
}

/** Raises, repeats within and past the window, clears: the messages a receiver should get. */
async function runScenario(run: () => Promise<void>, received: () => string[], settle: () => Promise<void>): Promise<string[]> {
  outbox.raiseAlert({ code: 'outbox_full', severity: 'critical', message: `The queue is full (token ${SECRET} leaked into the words).` });
  await run();
  await settle();
  expect(received()).toHaveLength(1);
  clock.advance(30 * 60_000);
  await run();
  await settle();
  expect(received()).toHaveLength(1); // the rule against repeats: nothing within repeatAfterMins
  clock.advance(240 * 60_000);
  await run();
  await settle();
  expect(received()).toHaveLength(2); // one reminder
  outbox.clearAlert('outbox_full');
  await run();
  await run();
  await settle();
  return received();
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('syslog over UDP', () => {
  let socket: Socket;
  afterEach(() => socket.close());

  it('delivers one datagram per notice, well-formed, without the planted secret', async () => {
    const received: string[] = [];
    socket = createSocket('udp4');
    socket.on('message', (buffer) => received.push(buffer.toString('utf8')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    const running = notifier({ type: 'udp', host: '127.0.0.1', port, facility: 'local0' });
    const messages = await runScenario(() => running.tick(), () => received, () => pause(150));

    expect(messages).toHaveLength(3);
    const parsed = messages.map(parse);
    expect(parsed.map((p) => [p.pri, p.msgId])).toEqual([[130, 'raised'], [130, 'raised'], [133, 'resolved']]);
    expect(parsed[0]).toMatchObject({ time: '2026-12-05T01:00:00.000Z', app: 'tya-agent', procId: String(process.pid) });
    expect(parsed[0]!.sd).toContain('code="outbox_full"');
    expect(parsed[0]!.msg).toBe('The queue is full (token [REDACTED] leaked into the words).');
    for (const message of messages) expect(message).not.toContain(SECRET);
  });
});

describe('syslog over TCP', () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('frames each message with its octet count (RFC 6587) and the frames parse', async () => {
    const streams: Buffer[] = [];
    server = createServer((connection) => {
      const chunks: Buffer[] = [];
      connection.on('data', (chunk: Buffer) => chunks.push(chunk));
      connection.on('end', () => streams.push(Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const running = notifier({ type: 'tcp', host: '127.0.0.1', port });
    const frames = () => streams.flatMap(splitOctetCounted);
    const messages = await runScenario(() => running.tick(), frames, () => pause(100));
    expect(messages).toHaveLength(3);
    // daemon (3) × 8 + crit (2) = 26; notice (5) = 29.
    expect(messages.map((m) => parse(m).pri)).toEqual([26, 26, 29]);
    for (const message of messages) expect(message).not.toContain(SECRET);
  });

  it('a closed port is a failed send the notifier retries, with the reason', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer().listen(0, '127.0.0.1');
    const channel = syslogChannel(NotifyConfigSchema.parse({ syslog: { type: 'tcp', host: '127.0.0.1', port } }).syslog!, { now: () => clock.now() });
    await expect(channel.send(notice)).rejects.toThrow(/ECONNREFUSED/);
  });
});

/** Octet-counting frames: `LEN SP MSG` repeated; each connection here carries one. */
function splitOctetCounted(stream: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < stream.length) {
    const space = stream.indexOf(0x20, at);
    const length = Number(stream.subarray(at, space).toString('ascii'));
    expect(Number.isInteger(length) && length > 0).toBe(true);
    out.push(stream.subarray(space + 1, space + 1 + length).toString('utf8'));
    at = space + 1 + length;
  }
  return out;
}

function hasProgram(name: string, args: string[]): boolean {
  try {
    execFileSync(name, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canUnix = process.platform !== 'win32' && hasProgram('logger', ['--version']) && hasProgram('python3', ['-c', 'import socket']);
if (!canUnix) console.log('Skipping the syslog unix-socket test: it needs util-linux logger and python3 (for a Unix datagram listener).');

describe.skipIf(!canUnix)('syslog on the local socket', () => {
  let listener: ChildProcess;
  afterEach(() => listener.kill());

  it('reaches a Unix datagram socket through logger as the same RFC 5424 message', async () => {
    const path = tmp.path('dev-log');
    // Node has no Unix datagram sockets; a few lines of Python play /dev/log and print each datagram as JSON.
    const script = `import socket,sys,json\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint('ready',flush=True)\nwhile True:\n  d=s.recv(65536)\n  print(json.dumps(d.decode('utf-8')),flush=True)\n`;
    listener = spawn('python3', ['-c', script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffered = '';
    listener.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
    });
    for (let i = 0; i < 100 && !lines.includes('ready'); i++) await pause(50);
    expect(lines).toContain('ready');
    const received = () => lines.filter((l) => l !== 'ready').map((l) => JSON.parse(l) as string);
    const running = notifier({ type: 'unix', path, facility: 'local1', appName: 'tya-agent' });
    const messages = await runScenario(() => running.tick(), received, () => pause(150));
    expect(messages).toHaveLength(3);
    const parsed = messages.map(parse);
    // local1 (17) × 8 + crit (2) = 138; notice = 141.
    expect(parsed.map((p) => [p.pri, p.app, p.procId, p.msgId])).toEqual([
      [138, 'tya-agent', String(process.pid), 'raised'],
      [138, 'tya-agent', String(process.pid), 'raised'],
      [141, 'tya-agent', String(process.pid), 'resolved'],
    ]);
    expect(parsed[0]!.sd).toBe('[tya@32473 agent="store-7" code="outbox_full" severity="critical" state="raised" since="2026-12-05T01:00:00.000Z"]');
    expect(parsed[0]!.msg).toBe('The queue is full (token [REDACTED] leaked into the words).');
    for (const message of messages) expect(message).not.toContain(SECRET);
  });
});
