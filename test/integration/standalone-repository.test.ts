/**
 * A clone of the repository alone passes its tests and explains itself:
 * - without the external corpus (TYA_FIXTURES at an empty folder) a run passes, runs the tests on
 *   fixtures the project owns, skips the ones that read the corpus, and says so in one line;
 * - without a server (PostgreSQL moved to a port where nothing listens) the tests that need it skip
 *   with one line, and with TYA_REQUIRE_SERVICES=1 (CI) the run fails instead;
 * - the README and docs/ link only to files inside the repository, and the README asks for no
 *   server that nothing uses.
 * Each case runs vitest itself as a child process, as a person would.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent-process.ts';
import { corpusSkippedLine } from '../helpers/external-corpus.ts';
import { serviceSkippedLine } from '../helpers/services.ts';

interface Run {
  code: number | null;
  output: string;
  counts: { passed: number; failed: number; skipped: number } | undefined;
}

let empty: string;
beforeAll(() => {
  empty = mkdtempSync(path.join(os.tmpdir(), 'tya-no-corpus-'));
});
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** Runs vitest on `files` in a child process with `env` added (and this run's own vitest state removed). */
function runVitest(files: string[], env: Record<string, string>): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...files], {
      cwd: REPO_ROOT,
      env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(output);
      const counts = m === null ? undefined : { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) };
      resolve({ code, output, counts });
    });
  });
}

function occurrences(text: string, line: string): number {
  return text.split('\n').filter((l) => l.includes(line)).length;
}

describe('a clone of the repository alone', () => {
  it('passes without the external corpus: owned fixtures run, corpus tests skip, one line says so', async () => {
    const env = { TYA_FIXTURES: empty };
    const run = await runVitest(
      ['test/helpers/bank-samples.test.ts', 'test/integration/formats-checks.test.ts', 'test/integration/real-databases-chinook.test.ts'],
      env,
    );
    expect(run.code, run.output).toBe(0);
    expect(occurrences(run.output, corpusSkippedLine(env)), run.output).toBe(1);
    expect(run.output).toContain(`at ${empty};`);
    expect(run.counts?.failed, run.output).toBe(0);
    // bank-samples runs on the project's own files; formats-checks and Chinook read the corpus.
    expect(run.counts?.passed, run.output).toBeGreaterThanOrEqual(7);
    expect(run.counts?.skipped, run.output).toBeGreaterThanOrEqual(14);
  }, 180_000);

  it('skips what needs an unreachable server with one line, and fails instead when CI requires every server', async () => {
    // CI sets TYA_REQUIRE_SERVICES=1 for the whole run; the first child must not inherit it.
    const unreachable = { TYA_POSTGRES_PORT: '1', TYA_FIXTURES: empty, TYA_REQUIRE_SERVICES: '0' };
    const skipped = await runVitest(['agents/sources/odbc/drift.postgresql.test.ts'], unreachable);
    expect(skipped.code, skipped.output).toBe(0);
    // The line the parent would print, with the port the child was given.
    const line = serviceSkippedLine('postgresql').replace(/at 127\.0\.0\.1:\d+;/, 'at 127.0.0.1:1;');
    expect(line).toContain('PostgreSQL skipped: nothing answers at 127.0.0.1:1;');
    expect(occurrences(skipped.output, line), skipped.output).toBe(1);
    expect(skipped.counts, skipped.output).toMatchObject({ passed: 0, failed: 0 });
    expect(skipped.counts?.skipped).toBeGreaterThan(0);

    const required = await runVitest(['agents/sources/odbc/drift.postgresql.test.ts'], { ...unreachable, TYA_REQUIRE_SERVICES: '1' });
    expect(required.code, required.output).not.toBe(0);
    expect(required.output).toContain('PostgreSQL (127.0.0.1:1) not reachable, and TYA_REQUIRE_SERVICES=1 says every test must run');
  }, 180_000);
});

/** Markdown link targets `](target)` of a file, without web addresses; `#anchor` kept. */
function localLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

/** GitHub's anchors of a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').split('\n').filter((l) => /^#{1,6} /.test(l));
  return new Set(headings.map((h) => h.replace(/^#+ /, '').trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

describe('the repository explains itself', () => {
  const documents = [
    path.join(REPO_ROOT, 'README.md'),
    ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(REPO_ROOT, 'docs', f)),
  ];

  it('has the docs a newcomer needs', () => {
    for (const name of ['architecture.md', 'guarantees.md', 'operations.md', 'cloud-contract.md']) {
      expect(existsSync(path.join(REPO_ROOT, 'docs', name)), name).toBe(true);
    }
  });

  it('links only to files inside the repository, and every file and heading linked to exists', () => {
    const broken: string[] = [];
    for (const file of documents) {
      for (const link of localLinks(file)) {
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target === '' ? file : path.resolve(path.dirname(file), target);
        const inside = resolved === REPO_ROOT || resolved.startsWith(`${REPO_ROOT}${path.sep}`);
        const found = inside && existsSync(resolved);
        const anchored = anchor === undefined || !resolved.endsWith('.md') || (found && anchors(resolved).has(anchor));
        if (!found || !anchored) broken.push(`${path.relative(REPO_ROOT, file)} → ${link}`);
      }
    }
    expect(broken).toEqual([]);
    expect(documents.flatMap(localLinks).length).toBeGreaterThan(20);
  });

  it('names ../shared only as the default place of the external corpus', () => {
    for (const file of documents) {
      const mentions = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('../shared'));
      for (const line of mentions) expect(line, path.relative(REPO_ROOT, file)).toContain('../shared/fixtures');
    }
  });

  it('asks for RabbitMQ only once something in the agent uses it', () => {
    const usesAmqp = (dir: string): boolean =>
      readdirSync(dir, { withFileTypes: true }).some((d) =>
        d.isDirectory() ? usesAmqp(path.join(dir, d.name)) : d.name.endsWith('.ts') && /amqp/i.test(readFileSync(path.join(dir, d.name), 'utf8')),
      );
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    if (!usesAmqp(path.join(REPO_ROOT, 'agents'))) expect(readme).not.toMatch(/rabbitmq/i);
  });
});
