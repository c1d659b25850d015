/**
 * A mapping's time limits count the work a record does, not the time its thread waits for a core
 * (run-clock.ts, mapping-pool.ts). On CI's loaded cores a fine record took 400 ms of wall time and was
 * stopped as a runaway: a bookkeeper would have found a good receipt in quarantine.
 *
 * Real scheduler, no fake clock: the pool's process is pinned to one core beside two busy loops and
 * given the lowest priority, so each record takes many times its CPU time in wall time. Every record
 * must still map, and the test checks that the load really stretched records past both limits (else
 * it would prove nothing: wall-time limits fail it, checked on the code before the change).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const LIMITS = { timeMs: 10, hardTimeMs: 100 };
const RECORDS = 16;
const DEADLINE_MS = 90_000;
const CHILD = path.resolve(import.meta.dirname, '../helpers/mapping-load-child.ts');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** The first core this process may run on (a container may not offer core 0). */
function firstAllowedCore(): string {
  const list = /Cpus_allowed_list:\s*([\d]+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return list?.[1] ?? '0';
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

describe.skipIf(process.platform !== 'linux')('mapping time limits on a loaded machine', () => {
  it('maps every fine record although each waits for a core far longer than its limits', { timeout: DEADLINE_MS + 20_000 }, async () => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(LIMITS), String(RECORDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');

    // Load comes after start-up: starting Node at 1% of a core would take a minute.
    const core = firstAllowedCore();
    for (let i = 0; i < 2; i += 1) children.push(spawn('taskset', ['-c', core, process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' }));
    await run('taskset', ['-a', '-p', '-c', core, String(child.pid)]);
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) await run('renice', ['-n', '19', '-p', tid]);
    child.stdin.write('go\n');

    // A few seconds here with the change, more on a busy CI machine. Without it records are stopped and
    // their threads started again at 1% of a core, which takes minutes: the deadline says what had
    // arrived by then rather than run into the test's own timeout.
    type Line = { ok: boolean; error?: unknown; output?: { id: string; vat: string; lines: string }; wallMs: number };
    const results: Line[] = [];
    let restarts: number | undefined;
    const deadline = performance.now() + DEADLINE_MS;
    while (restarts === undefined) {
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        lines.next(),
        new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), Math.max(deadline - performance.now(), 0));
        }),
      ]).finally(() => clearTimeout(timer));
      if (next === 'late' || next.done === true) {
        throw new Error(`${results.length} of ${RECORDS} records mapped within ${DEADLINE_MS / 1000} s under load (${next === 'late' ? 'still running' : 'the process ended'}); failed: ${JSON.stringify(results.filter((r) => !r.ok))}`);
      }
      const parsed = JSON.parse(next.value) as Line | { restarts: number };
      if ('restarts' in parsed) restarts = parsed.restarts;
      else results.push(parsed);
    }

    results.forEach((result, i) => {
      const id = String(i + 1);
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true, output: { id, vat: '19.01', lines: ((30 + 20 * (i + 1)) / 100).toFixed(2) } });
    });
    expect(results).toHaveLength(RECORDS);
    expect(restarts, 'mapping threads replaced').toBe(0);
    const walls = results.map((r) => Math.round(r.wallMs)).sort((a, b) => a - b);
    console.log(`wall time per record under load (ms, sorted): ${walls.join(' ')}`);
    // The load must have done its part, or this test shows nothing.
    expect(walls.filter((ms) => ms > LIMITS.timeMs).length, 'records over the step limit in wall time').toBeGreaterThanOrEqual(RECORDS / 2);
    expect(walls.filter((ms) => ms > LIMITS.hardTimeMs).length, 'records over the hard limit in wall time').toBeGreaterThanOrEqual(2);
  });
});
